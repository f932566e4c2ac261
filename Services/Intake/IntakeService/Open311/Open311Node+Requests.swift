import Foundation
import Taxonomy

extension Open311Node {
    /// One service request as `GET requests` shows it — the public read model only, never the reporter's
    /// contact data; with `extensions`, Open137's `extended_attributes` (the convention of Chicago's and
    /// San Francisco's endpoints) after the spec's fields.
    static func request(_ report: PublicReport, taxonomy: Taxonomy, language: Open311Language, extensions: Bool) -> Open311Node {
        // Until the classifier decides, a report sent without a code is uncategorised: the fallback code
        // ("anything else", triaged by a person) keeps service_code a string, as the schema requires.
        let code = report.serviceCode ?? Taxonomy.fallbackCode
        let service = taxonomy.service(code)
        let childFriendly = report.childFriendly ?? (service?.isChildFriendly == true ? true : nil)
        var fields: [Field] = [
            Field("service_request_id", .string(report.trackingCode)),
            Field("status", .string(report.open311Status)),
            Field("status_notes", .text(report.statusNotes)),
            Field("service_name", .text(service?.name.text(for: language.code))),
            Field("service_code", .string(code)),
            Field("description", .string(report.description)),
            Field("agency_responsible", .text(report.unit)),
            Field("service_notice", .text(childFriendly == true ? childFriendlyNotice.text(for: language.code) : nil)),
            Field("requested_datetime", .string(Open311Format.time(report.receivedAt))),
            Field("updated_datetime", .string(Open311Format.time(report.updatedAt))),
            Field("expected_datetime", .text(report.deadline.map(Open311Format.time))),
            Field("address", .text(report.address)),
            Field("address_id", .null),
            Field("zipcode", .null),
            Field("lat", .decimal(report.lat)),
            Field("long", .decimal(report.long)),
            Field("media_url", .text(report.mediaURLs.first)),
        ]
        if extensions {
            fields.append(Field("extended_attributes", .object([
                Field("child_friendly", .flag(childFriendly)),
                Field("child_friendly_code", .text(service?.isChildFriendly == true ? code : nil)),
                Field("priority", .text(report.priority)),
                Field("district", .whole(report.district)),
                Field("channel", .string(report.channel)),
                Field("tracking_code", .string(report.trackingCode)),
            ])))
        }
        return .object(fields)
    }

    /// The answer to `POST requests`: the id the report is followed by, at once (every service is
    /// `realtime`, so no token: the spec returns one or the other), and the reporter's reopen secret — an
    /// extension member, which Open311 clients ignore.
    static func created(trackingCode: String, reopenSecret: String, language: Open311Language) -> Open311Node {
        .list(item: "request", [
            .object([
                Field("service_request_id", .string(trackingCode)),
                Field("reopen_secret", .string(reopenSecret)),
                Field("service_notice", .string(receivedNotice(trackingCode).text(for: language.code))),
                Field("account_id", .null),
            ])
        ])
    }

    /// The answer to `GET tokens/{token}`: the request a token (the native API's report id) stands for.
    static func token(_ token: String, trackingCode: String) -> Open311Node {
        .list(item: "request", [.object([Field("service_request_id", .string(trackingCode)), Field("token", .string(token))])])
    }

    /// The notice on child reports: who follows them.
    static let childFriendlyNotice = LocalizedText(
        fa: "گزارش شهر دوستدار کودک: کمیته شهر دوستدار کودک شورای شهر آن را تا رسیدگی پیگیری می‌کند.",
        en: "A child-friendly city report: the city council's child-friendly city committee follows it until it is handled."
    )

    /// The notice of a report just received: how to follow it.
    static func receivedNotice(_ trackingCode: String) -> LocalizedText {
        LocalizedText(
            fa: "گزارش دریافت شد. کد پیگیری: \(trackingCode) — از سامانه ۱۳۷ یا /api/v1/track/\(trackingCode) پیگیری کنید.",
            en: "Report received. Tracking code \(trackingCode): follow it on 137 or at /api/v1/track/\(trackingCode)."
        )
    }
}
