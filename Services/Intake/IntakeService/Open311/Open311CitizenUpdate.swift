import WebAPI
import Foundation

/// A citizen's update POSTed to `servicerequestupdates` by an Open311 client (FixMyStreet), read from its
/// form and checked. Only what the update says about the report is read: the client's `first_name`,
/// `last_name`, `email`, `phone` and `account_id` are ignored, so they are never stored, logged or shown.
struct Open311CitizenUpdate: Sendable, Hashable {
    /// The request it is about (`service_request_id`, a tracking code).
    var trackingCode: TrackingCode
    /// The client's id for the update (`update_id`): a repeat with the same id is the same update.
    var clientUpdateID: String
    /// The status the client says the request has after the update.
    var status: FixMyStreetStatus
    /// The update's text.
    var description: String
    /// The first media link, if any (FixMyStreet may repeat `media_url` for several photos).
    var mediaURL: String?
    /// When the citizen made the update (`updated_datetime`).
    var updatedAt: Date

    /// The longest client update id kept.
    static let maximumIDLength = 100

    /// The 404 for a request this server does not have.
    static let unknownRequest = APIError(.notFound, code: "not-found", message: "no service request has this service_request_id")

    private static func missing(_ name: String) -> APIError {
        APIError(.badRequest, code: "missing-\(name.replacingOccurrences(of: "_", with: "-"))", message: "\(name) was not provided")
    }
}

extension Open311CitizenUpdate {
    /// Reads the form; every missing or bad field is a 400 naming it, and a `service_request_id` that is no
    /// tracking code a 404 (no request has it).
    init(_ form: Open311Form) throws(APIError) {
        self = try Open311FormError.reading { try Self.parse(form) }
    }

    private static func parse(_ form: Open311Form) throws -> Open311CitizenUpdate {
        guard let requestID = try form.value("service_request_id") else { throw Self.missing("service_request_id") }
        guard let code = TrackingCode(parsing: requestID) else { throw Self.unknownRequest }
        guard let updateID = try form.value("update_id") else { throw Self.missing("update_id") }
        guard updateID.count <= Self.maximumIDLength, !updateID.unicodeScalars.contains("\u{0}") else {
            throw APIError(.badRequest, code: "invalid-update-id", message: "update_id has at most \(Self.maximumIDLength) characters")
        }
        guard let word = try form.value("status") else { throw Self.missing("status") }
        guard let status = FixMyStreetStatus(word: word) else {
            throw APIError(.badRequest, code: "invalid-status", message: "status is OPEN or CLOSED (or one of FixMyStreet's additional states)")
        }
        guard let time = try form.value("updated_datetime") else { throw Self.missing("updated_datetime") }
        guard let updatedAt = Open311Format.parseTime(time) else {
            throw APIError(.badRequest, code: "invalid-date", message: "updated_datetime must be a W3C date-time with zone, e.g. 2026-01-01T08:00:00+03:30")
        }
        let text = (try form.value("description") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw Self.missing("description") }
        // Plain text, as every description intake keeps (containsMarkup also refuses NUL, which PostgreSQL cannot store).
        guard text.count <= SubmissionValidator.maxDescriptionLength, !SubmissionValidator.containsMarkup(text) else {
            throw APIError(
                .badRequest, code: "invalid-description",
                message: "description is plain text (no HTML) of at most \(SubmissionValidator.maxDescriptionLength) characters"
            )
        }
        let media = form.values("media_url")
        guard media.allSatisfy(SubmissionValidator.isMediaURL) else {
            throw APIError(.badRequest, code: "invalid-media-url", message: "media_url is an http(s) URL of at most 2048 characters")
        }
        return Open311CitizenUpdate(
            trackingCode: code, clientUpdateID: updateID, status: status, description: text, mediaURL: media.first, updatedAt: updatedAt
        )
    }
}
