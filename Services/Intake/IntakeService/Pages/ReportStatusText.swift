import Contracts
import WebPages

/// A report's status in words for the public pages (the API's status values, e.g. `in_progress`, are
/// for programs).
enum ReportStatusText {
    /// The status as a reporter reads it (the shared words of every page), or a history line that is not a
    /// status: a link to a case, a split from one (never naming the case: it is another reporter's report).
    static func name(_ status: String, _ language: PageLanguage) -> String {
        switch status {
        case "linked":
            language.pick("به پرونده‌ای پیوست که پیش‌تر دربارهٔ همین خطر باز شده بود", "Joined a case already open about the same hazard")
        case "unlinked":
            language.pick("از آن پرونده جدا شد و پرونده‌ای جداگانه شد", "Split off: now a case of its own")
        case "repeat-hazard":
            language.pick("این خطر بارها گزارش شده است؛ اولویت و مهلت رسیدگی آن بالا رفت", "This hazard keeps being reported; its priority was raised and its deadline brought forward")
        default:
            ReportStatusWords.name(status, language)
        }
    }

    /// What the track page says of a report's case: for a linked report, that it joined a case already open
    /// about the same hazard, how many reports that case has and that it follows the case's status; for a
    /// case with linked reports, how many reports of the same hazard it has; nil for a report alone in its
    /// case. Counts only: never another report's code, description or reporter.
    static func caseText(linked: Bool, caseReports: Int, _ language: PageLanguage) -> String? {
        if linked {
            return language.digits(language.pick(
                "این گزارش به پرونده‌ای پیوست که پیش‌تر دربارهٔ همین خطر باز شده بود؛ آن پرونده \(caseReports) گزارش دارد. وضعیت، واحد و مهلت این گزارش همان وضعیت، واحد و مهلت آن پرونده است و با آن تغییر می‌کند.",
                "This report joined a case already open about the same hazard; that case has \(caseReports) reports. It follows that case: its status, unit and deadline are the case's and change with it."))
        }
        guard caseReports > 1 else { return nil }
        return language.digits(language.pick(
            "این پرونده \(caseReports) گزارش دربارهٔ همین خطر دارد.",
            "This case has \(caseReports) reports about the same hazard."))
    }

    /// What happens next, for a status.
    static func next(_ status: String, _ language: PageLanguage) -> String {
        switch ReportStatus(rawValue: status) {
        case .received?, .classified?:
            language.pick("در چند ثانیه موضوع گزارش مشخص و به واحد مسئول سپرده می‌شود؛ مهلت رسیدگی همان‌جا تعیین می‌شود.",
                          "Within seconds the report is classified and sent to the responsible unit, which sets its deadline.")
        case .routed?, .assigned?, .referred?, .reopened?, .acknowledged?, .inProgress?:
            language.pick("واحد مسئول تا پایان مهلت به آن رسیدگی می‌کند؛ هر تغییر را همین‌جا می‌بینید.",
                          "The unit works on it by the deadline; every change shows here.")
        case .resolved?:
            language.pick("اگر مشکل برطرف نشده، با رمز گزارش آن را دوباره باز کنید.",
                          "If the problem is still there, reopen the report with its secret.")
        case .rejected?, nil:
            ""
        }
    }
}
