import Contracts

/// A report's status in words for every page (the status values, e.g. `in_progress`, are for programs):
/// the citizens' tracking page and the committee's dashboard say the same thing for the same status.
public enum ReportStatusWords {
    /// The status as people read it (an unknown value as it is).
    public static func name(_ status: String, _ language: PageLanguage) -> String {
        guard let known = ReportStatus(rawValue: status) else { return status }
        return switch known {
        case .received: language.pick("دریافت شد", "Received")
        case .classified: language.pick("موضوع آن مشخص شد", "Classified")
        case .routed, .assigned: language.pick("به واحد مسئول سپرده شد", "Assigned to the responsible unit")
        case .acknowledged: language.pick("واحد مسئول آن را دید", "Seen by the unit")
        case .inProgress: language.pick("در دست اقدام", "In progress")
        case .resolved: language.pick("رسیدگی شد", "Resolved")
        case .rejected: language.pick("پذیرفته نشد", "Rejected")
        case .referred: language.pick("به واحد دیگری ارجاع شد", "Referred to another unit")
        case .reopened: language.pick("دوباره باز شد", "Reopened")
        }
    }
}
