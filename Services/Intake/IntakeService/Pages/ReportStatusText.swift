import Contracts
import WebPages

/// A report's status in words for the public pages (the API's status values, e.g. `in_progress`, are
/// for programs).
enum ReportStatusText {
    /// The status as a reporter reads it (the shared words of every page).
    static func name(_ status: String, _ language: PageLanguage) -> String {
        ReportStatusWords.name(status, language)
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
