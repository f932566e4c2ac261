import WebAPI
import Foundation

/// The query of `GET servicerequestupdates` (FixMyStreet's extension): the span of update times asked
/// for, checked. Both ends are inclusive, as the spec words them ("earliest update to include", "latest
/// update to include"); FixMyStreet asks overlapping spans and keeps an update once by its `update_id`.
struct Open311UpdateWindow: Sendable, Hashable {
    /// The earliest update time included.
    var start: Date
    /// The latest update time included.
    var end: Date

    /// The span asked for when a date is missing: a day (FixMyStreet itself asks for the last two hours,
    /// or sends no dates at all).
    static let defaultSpan: TimeInterval = 24 * 3600
    /// The longest span one request may ask for: a week.
    static let maximumSpan: TimeInterval = 7 * 24 * 3600
    /// The most updates one answer carries. A span holding more is refused (a 400 asking for a shorter
    /// one), never cut short: FixMyStreet does not page, so a truncated answer would lose updates silently.
    static let maximumUpdates = 10_000

    /// Reads `start_date` and `end_date`; none means the last day up to `now`, one end the day from or to it.
    init(_ form: Open311Form, now: Date) throws(APIError) {
        let (start, end) = try Open311FormError.reading {
            (try Open311RequestFilter.time(form.value("start_date"), name: "start_date"),
             try Open311RequestFilter.time(form.value("end_date"), name: "end_date"))
        }
        switch (start, end) {
        case let (start?, end?):
            self.start = start
            self.end = end
        case let (start?, nil):
            self.start = start
            self.end = start.addingTimeInterval(Self.defaultSpan)
        case let (nil, end?):
            self.start = end.addingTimeInterval(-Self.defaultSpan)
            self.end = end
        case (nil, nil):
            self.start = now.addingTimeInterval(-Self.defaultSpan)
            self.end = now
        }
        try Open311RequestFilter.checkRange(self.start, self.end, maximumSpan: Self.maximumSpan, spanWords: "7 days")
    }

    /// The 400 for a span holding more updates than one answer carries.
    static let tooManyUpdates = APIError(
        .badRequest, code: "too-many-updates",
        message: "more than \(maximumUpdates) updates fall between start_date and end_date; ask for a shorter span"
    )
}
