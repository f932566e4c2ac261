import Foundation
import Hummingbird
import Taxonomy
import WebAPI
import WebPages

extension IntakePages {
    /// `GET /report/nearby?service_code=&lat=&long=&district=&address=` (public, rate limited per client
    /// address like the other public pages): the open reports near a place that may be the same problem,
    /// which the report page shows before it is sent. Only tracking code, service, status, age and distance
    /// rounded to 10 m — never a description, an address or anything of a reporter.
    func addNearbyRoute(to router: Router<IntakeRequestContext>) {
        router.get("/report/nearby") { request, context in
            try api.limitAddress(context)
            let query = nearbyQuery(serviceCode: request.formQuery("service_code"), lat: request.formQuery("lat"), long: request.formQuery("long"),
                                    district: request.formQuery("district"), address: request.formQuery("address"))
            return try IntakeAPI.json(NearbyAnswer(reports: try await nearby(query, language: request.pageLanguage)), status: .ok)
        }
    }

    /// The public endpoint's answer.
    struct NearbyAnswer: Encodable {
        var reports: [NearbyItem]
    }

    /// One line of the nearby list, as the report page and the call screen show it.
    struct NearbyItem: Encodable {
        var trackingCode: String
        var serviceCode: String
        var serviceName: String
        var status: String
        var statusLabel: String
        /// Metres, rounded to 10; nil when it matched by district and address.
        var distanceMetres: Int?
        var distanceLabel: String
        var ageLabel: String
        var label: String

        enum CodingKeys: String, CodingKey {
            case trackingCode = "tracking_code", serviceCode = "service_code", serviceName = "service_name", status
            case statusLabel = "status_label", distanceMetres = "distance_m", distanceLabel = "distance_label", ageLabel = "age_label", label
        }
    }

    /// The query for the form's fields as typed (any digits), or nil when a service or a place is missing or
    /// the point is outside the city.
    func nearbyQuery(serviceCode: String?, lat: String?, long: String?, district: String?, address: String?) -> NearbyQuery? {
        func number(_ text: String?) -> Double? {
            guard let text = ReportForm.blankless(text), case .number(let value) = ReportForm.number(text) else { return nil }
            return value
        }
        guard let code = ReportForm.blankless(serviceCode) else { return nil }
        var lat = number(lat), long = number(long)
        if let la = lat, let lo = long, !api.validator.bounds.contains(lat: la, long: lo) { (lat, long) = (nil, nil) }
        let district = number(district).flatMap { Int(exactly: $0) }.flatMap { (1...22).contains($0) ? $0 : nil }
        // At most the form's maxlength.
        let address = ReportForm.blankless(address).map { String($0.prefix(500)) }
        return NearbyQuery(serviceCode: code, lat: lat, long: long, district: district, address: address, taxonomy: api.taxonomy)
    }

    /// The open reports of `query` in `language`'s words (none without a query).
    func nearby(_ query: NearbyQuery?, language: PageLanguage, now: Date = Date()) async throws -> [NearbyItem] {
        guard let query else { return [] }
        return try await api.store.nearbyOpenReports(query).map { report in
            let service = api.taxonomy.service(report.serviceCode)?.name.text(for: language.rawValue) ?? report.serviceCode
            let metres = report.distanceMetres.map { Int(($0 / 10).rounded()) * 10 }
            let distance = metres.map { language.digits(language.pick("حدود \($0) متر", "about \($0) m")) }
                ?? language.pick("همین نشانی", "same address")
            let age = Self.ageLabel(from: report.receivedAt, to: now, language)
            let status = ReportStatusText.name(report.status, language)
            return NearbyItem(
                trackingCode: report.trackingCode, serviceCode: report.serviceCode, serviceName: service, status: report.status,
                statusLabel: status, distanceMetres: metres, distanceLabel: distance, ageLabel: age,
                label: [language.digits(report.trackingCode), service, status, distance, age].joined(separator: " · "))
        }
    }

    /// How long ago, coarsely (an exact time is not needed to recognise the same problem).
    static func ageLabel(from date: Date, to now: Date, _ language: PageLanguage) -> String {
        let hours = Int(max(0, now.timeIntervalSince(date)) / 3600)
        let text: String
        if hours < 1 {
            text = language.pick("کمتر از یک ساعت پیش", "less than an hour ago")
        } else if hours < 24 {
            text = language.pick("\(hours) ساعت پیش", hours == 1 ? "an hour ago" : "\(hours) hours ago")
        } else {
            let days = hours / 24
            text = language.pick("\(days) روز پیش", days == 1 ? "a day ago" : "\(days) days ago")
        }
        return language.digits(text)
    }
}
