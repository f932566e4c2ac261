import Foundation
import Contracts

/// A checked request to change a case, ready to become a status update; or the problems of the form,
/// each for one field, in both languages.
struct DeskActionRequest: Sendable, Equatable {
    /// The action.
    var action: DeskAction
    /// For the reporter and the committee (required to resolve).
    var note: String?
    /// Why (required to reject and to refer).
    var reason: String?
    /// The unit it is referred to (required to refer).
    var referredTo: String?

    /// The longest note or reason the contract allows.
    static let maxTextLength = 2000

    /// One problem of the form.
    struct Problem: Sendable, Equatable {
        /// The form field (`action`, `note`, `reason`, `referred_to`).
        var field: String
        /// Machine-readable (`not-offered`, `required`, `too-long`, `unknown-unit`).
        var code: String
        /// In Persian.
        var fa: String
        /// In English.
        var en: String
    }

    /// A checked form.
    enum Checked: Sendable, Equatable {
        /// It may go.
        case valid(DeskActionRequest)
        /// It may not, and why.
        case problems([Problem])
    }

    /// Checks a posted form for a case of `unit` now in `status` (`pending`: an earlier request still waits),
    /// with the units it may be referred to.
    static func check(
        action: String?, note: String?, reason: String?, referredTo: String?,
        status: ReportStatus, pending: Bool, unit: String, units: [String]
    ) -> Checked {
        let note = trimmed(note), reason = trimmed(reason), target = trimmed(referredTo)
        guard let action = action.flatMap(DeskAction.init(rawValue:)),
              DeskAction.offered(from: status, pending: pending).contains(action)
        else {
            let problem = pending
                ? Problem(field: "action", code: "pending", fa: "درخواست پیشین این پرونده هنوز منتظر پاسخ است.",
                          en: "An earlier request on this case is still waiting for its answer.")
                : Problem(field: "action", code: "not-offered", fa: "این اقدام در وضعیت کنونی پرونده ممکن نیست.",
                          en: "This action is not possible in the case's current status.")
            return .problems([problem])
        }
        var problems: [Problem] = []
        for (field, text) in [("note", note), ("reason", reason)] where (text?.count ?? 0) > maxTextLength {
            problems.append(Problem(field: field, code: "too-long", fa: "حداکثر ۲۰۰۰ نویسه.", en: "At most 2000 characters."))
        }
        switch action {
        case .resolve where note == nil:
            problems.append(Problem(field: "note", code: "required", fa: "برای بستن پرونده بنویسید چه کاری انجام شد.",
                                    en: "Say what was done before resolving."))
        case .reject where reason == nil:
            problems.append(Problem(field: "reason", code: "required", fa: "دلیل رد کردن را بنویسید.", en: "Give the reason for rejecting."))
        case .refer:
            if reason == nil {
                problems.append(Problem(field: "reason", code: "required", fa: "دلیل ارجاع را بنویسید.", en: "Give the reason for referring."))
            }
            if target == nil || !units.contains(target!) || target == unit {
                problems.append(Problem(field: "referred_to", code: "unknown-unit", fa: "واحد دیگری را از فهرست برگزینید.",
                                        en: "Choose another unit from the list."))
            }
        default:
            break
        }
        guard problems.isEmpty else { return .problems(problems) }
        return .valid(DeskActionRequest(action: action, note: note, reason: reason, referredTo: action == .refer ? target : nil))
    }

    /// The status update this request sends as `unit`. A referral's reason travels as its note too: the
    /// router hands the note on in `report.reassigned`, which the receiving unit reads.
    func update(reportID: String, unit: String) -> UnitStatusUpdateData {
        UnitStatusUpdateData(reportID: reportID, unit: unit, status: action.status.rawValue,
                             note: action == .refer ? (note ?? reason) : note, reason: reason, referredTo: referredTo)
    }

    private static func trimmed(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }
}
