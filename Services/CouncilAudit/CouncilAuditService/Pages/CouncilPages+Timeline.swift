import Contracts
import Foundation
import Hummingbird
import JSON
import WebPages

extension CouncilPages {
    /// `GET /dashboard/reports/{id}` (by report id or tracking code): every audit entry of the report in
    /// chain order; with `?verify=1` the server recomputes the report's entries and their links
    /// (``AuditLog/verify(reportID:)``) and says verified or names the entry where the chain breaks.
    /// `GET /dashboard/reports?code=…` (the dashboard's "open a report" form) goes to that report's timeline.
    func addTimelinePages(to router: Router<CouncilRequestContext>) {
        router.get("/dashboard/reports") { request, context in
            await asCouncil(request, context) { _ in
                let code = (request.formQuery("code") ?? "").filter { !$0.isWhitespace }
                let latin = String(code.map { character -> Character in
                    guard let value = character.unicodeScalars.first?.value, (0x6F0...0x6F9).contains(value) || (0x660...0x669).contains(value) else { return character }
                    return Character(String(value >= 0x6F0 ? value - 0x6F0 : value - 0x660))
                })
                return PageRenderer.redirect("/dashboard/reports/" + (latin.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            }
        }
        router.get("/dashboard/reports/{id}") { request, context in
            await asCouncil(request, context) { staff in
                let language = staff.language
                guard let reportID = try await lookUpReport(context.parameters.get("id") ?? ""),
                      let entries = try await queries.timeline(reportID: reportID) else {
                    return messagePage(language.pick("گزارش پیدا نشد", "Report not found"),
                                       language.pick("دفتر ممیزی گزارشی با این شناسه یا کد پیگیری ندارد.",
                                                     "The audit log holds no report with this id or tracking code."),
                                       language: language, path: request.pathWithoutLanguage, status: .notFound, staff: staff)
                }
                var verification: ChainVerification?
                if request.uri.queryParameters["verify"] != nil { verification = try await log.verify(reportID: reportID) }
                return timelinePage(reportID: reportID, entries: entries, verification: verification, staff: staff, path: request.pathWithoutLanguage)
            }
        }
    }

    /// The report id of a UUID or a 10-digit tracking code (nil when it is neither or unknown).
    func lookUpReport(_ text: String) async throws -> UUID? {
        if let id = UUID(uuidString: text) { return id }
        guard text.count == 10, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return try await queries.reportID(trackingCode: text)
    }

    /// The timeline page's view model (`timeline.mustache`).
    struct TimelineView {
        var heading: String
        var intro: String
        var verifyLabel: String
        var verifyHref: String
        var result: VerifyResult?
        var seqHeader: String
        var timeHeader: String
        var eventHeader: String
        var detailHeader: String
        var hashHeader: String
        var entries: [EntryView]
        var csvHref: String
        var csvLabel: String
    }

    /// What verify found, in words.
    struct VerifyResult {
        var verified: Bool
        var resultText: String
    }

    /// One audit entry on the timeline.
    struct EntryView {
        var entrySeq: String
        var entryTime: String
        var machineTime: String
        var entryType: String
        var entryDetail: String
        var shortHash: String
        var fullHash: String
        var broken: Bool
    }

    private func timelinePage(reportID: UUID, entries: [TimelineEntry], verification: ChainVerification?, staff: StaffPagesSession,
                              path: String) -> Response {
        let language = staff.language
        let id = reportID.uuidString.lowercased()
        let code = entries.lazy.compactMap { $0.event["data"]?["tracking_code"]?.stringValue }.first
        let broken = verification?.firstBroken
        let view = TimelineView(
            heading: language.pick("سابقهٔ گزارش", "Report timeline") + " " + language.digits(code ?? String(id.prefix(8))),
            intro: language.pick(
                "هر رویداد این گزارش به ترتیب دفتر ممیزی. هر ردیف هش رویداد پیش از خود را در بر دارد؛ «بررسی زنجیره» هش‌ها را روی سرور دوباره حساب می‌کند.",
                "Every event of this report in the audit log's order. Each entry holds the hash of the one before it; “verify the chain” recomputes the hashes on the server."),
            verifyLabel: language.pick("بررسی زنجیره", "Verify the chain"),
            verifyHref: "/dashboard/reports/\(id)?verify=1",
            result: verification.map { verifyResult($0, entries: entries, language) },
            seqHeader: language.pick("ردیف دفتر", "Entry"),
            timeHeader: language.pick("زمان", "Time"),
            eventHeader: language.pick("رویداد", "Event"),
            detailHeader: language.pick("جزئیات", "Details"),
            hashHeader: language.pick("هش", "Hash"),
            entries: entries.map { entry in
                EntryView(
                    entrySeq: language.digits(String(entry.seq)),
                    entryTime: SolarHijriFormat.dateTime(entry.time ?? entry.appendedAt, language),
                    machineTime: SolarHijriFormat.machine(entry.time ?? entry.appendedAt),
                    entryType: Self.eventName(entry.type, language),
                    entryDetail: detail(entry, language),
                    shortHash: String(entry.hash.prefix(16)) + "…",
                    fullHash: entry.hash,
                    broken: broken.map { $0.seq == entry.seq } ?? false)
            },
            csvHref: "/dashboard/reports/\(id)/timeline.csv",
            csvLabel: language.pick("سابقه و هش‌ها (CSV)", "Timeline and hashes (CSV)")
        )
        return renderer.render("timeline", view, frame: PageFrame(title: view.heading, language: language, path: path,
                                                                  links: links(language, current: ""), staff: staff))
    }

    private func verifyResult(_ verification: ChainVerification, entries: [TimelineEntry], _ language: PageLanguage) -> VerifyResult {
        guard let broken = verification.firstBroken else {
            return VerifyResult(verified: true, resultText: language.digits(language.pick(
                "زنجیره تأیید شد: هر \(verification.entries) رویداد این گزارش و پیوندشان با رویدادهای پیش و پس از خود دست‌نخورده است.",
                "Verified: all \(verification.entries) entries of this report, and their links to the entries before and after them, are intact.")))
        }
        let seq = language.digits(String(broken.seq))
        let type = entries.first { $0.seq == broken.seq }.map { " (" + Self.eventName($0.type, language) + ")" } ?? ""
        let reason = switch broken.reason {
        case .hashMismatch: language.pick("محتوای آن با هش ثبت‌شده‌اش نمی‌خواند: پس از ثبت تغییر کرده است.",
                                          "its contents do not match its recorded hash: it was changed after it was written.")
        case .previousHashMismatch: language.pick("هش رویداد پیش از آن را ندارد: رویدادی پیش از آن تغییر کرده یا جابه‌جا شده است.",
                                                  "it does not hold the hash of the entry before it: an earlier entry was changed or moved.")
        case .missing: language.pick("این ردیف از دفتر پاک شده است.", "this entry has been deleted from the log.")
        case .headMismatch: language.pick("سر زنجیره به این ردیف نمی‌رسد: ردیف‌های پایانی بریده شده‌اند.",
                                          "the chain's head does not lead here: entries at the end were cut off.")
        }
        return VerifyResult(verified: false, resultText: language.pick("زنجیره شکسته است، در ردیف \(seq)\(type): ", "The chain breaks at entry \(seq)\(type): ") + reason)
    }

    /// An event type in words.
    static func eventName(_ type: String, _ language: PageLanguage) -> String {
        switch type {
        case EventType.reportReceived: language.pick("دریافت گزارش", "Report received")
        case EventType.reportClassified: language.pick("تعیین موضوع", "Classified")
        case EventType.reportRouted: language.pick("سپردن به واحد", "Routed to a unit")
        case EventType.reportAssigned: language.pick("واگذاری", "Assigned")
        case EventType.reportStatusChanged: language.pick("تغییر وضعیت", "Status changed")
        case EventType.reportReassigned: language.pick("ارجاع به واحد دیگر", "Referred to another unit")
        case EventType.reportEscalated: language.pick("پیگیری از مهلت گذشته", "Escalated (overdue)")
        case EventType.reportLinked: language.pick("پیوستن به پروندهٔ هم‌خطر", "Linked to a case of the same hazard")
        case EventType.reportUnlinked: language.pick("جدا شدن از پرونده", "Split off its case")
        case EventType.reportRepeatHazard: language.pick("خطر تکراری: اولویت بالا رفت", "Repeat hazard: priority raised")
        default: type
        }
    }

    /// What an entry says beyond its type — status, unit, service, district, deadline, the unit's reason —
    /// never the reporter's description, address or contact (the page shows what the committee follows).
    private func detail(_ entry: TimelineEntry, _ language: PageLanguage) -> String {
        let data = entry.event["data"]
        var parts: [String] = []
        if let link = entry.link {
            if link.kind == "unlinked" {
                // The split's unit and reason in one phrase; the general lines below would repeat both.
                parts.append(Self.splitText(link, unit: link.unit.map { unitName($0, language) }, language))
                if let deadline = data?["deadline"]?.stringValue.flatMap(Timestamp.parse) {
                    parts.append(language.pick("مهلت تازه: ", "new deadline: ") + SolarHijriFormat.dateTime(deadline, language))
                }
                return parts.joined(separator: language.pick("؛ ", "; "))
            }
            if let text = Self.linkText(link, language) { parts.append(text) }
        }
        if entry.type == EventType.reportRepeatHazard, let reason = data?["reason"]?.stringValue {
            // Why, and the priority's step; the general lines below would show the reason's code word.
            parts.append(Self.repeatReason(reason, language))
            if let from = data?["from_priority"]?.stringValue, let to = data?["priority"]?.stringValue {
                parts.append(language.pick("اولویت ", "priority ") + from + " → " + to)
            }
            if let deadline = data?["deadline"]?.stringValue.flatMap(Timestamp.parse) {
                parts.append(language.pick("مهلت: ", "deadline: ") + SolarHijriFormat.dateTime(deadline, language))
            }
            return parts.joined(separator: language.pick("؛ ", "; "))
        }
        if let status = data?["status"]?.stringValue { parts.append(ReportStatusWords.name(status, language)) }
        if let code = data?["service_code"]?.stringValue { parts.append(serviceName(code, language)) }
        if let unit = data?["unit"]?.stringValue { parts.append(unitName(unit, language)) }
        if let district = data?["district"]?.stringValue ?? data?["location"]?["district"]?.numberValue.map({ String(Int($0)) }) {
            parts.append(Self.districtName(district, language))
        }
        if let deadline = data?["deadline"]?.stringValue.flatMap(Timestamp.parse) {
            parts.append(language.pick("مهلت: ", "deadline: ") + SolarHijriFormat.dateTime(deadline, language))
        }
        if let level = data?["level"]?.numberValue { parts.append(language.digits(language.pick("سطح \(Int(level))", "level \(Int(level))"))) }
        if let reason = data?["reason"]?.stringValue { parts.append(language.pick("دلیل: ", "reason: ") + reason) }
        return parts.joined(separator: language.pick("؛ ", "; "))
    }

    /// "linked to case 5930284751 (similarity 0.42, 19 m)" — the match the router made, in words; nil when
    /// the event names no case. "same district and place" instead of metres when they met by address.
    static func linkText(_ link: TimelineLink, _ language: PageLanguage) -> String? {
        guard let code = link.caseTrackingCode else { return nil }
        var measures: [String] = []
        if let similarity = link.similarity {
            let number = String(format: "%.2f", similarity)
            measures.append(language.pick("شباهت " + number.replacingOccurrences(of: ".", with: "٫"), "similarity " + number))
        }
        if let metres = link.distanceM {
            measures.append(language.pick("\(Int(metres.rounded())) متر", "\(Int(metres.rounded())) m"))
        } else {
            measures.append(language.pick("همان محله و نشانی", "same district and place"))
        }
        return language.digits(language.pick("پیوسته به پروندهٔ ", "linked to case ") + code + " (" + measures.joined(separator: language.pick("، ", ", ")) + ")")
    }

    /// "split off by Parks and Green Space Organization: another swing" (the unit's reason as it wrote it).
    static func splitText(_ link: TimelineLink, unit: String?, _ language: PageLanguage) -> String {
        let by = unit.map { language.pick("جدا شده به دست \($0)", "split off by \($0)") } ?? language.pick("جدا شده", "split off")
        return by + ": " + (link.reason ?? "—")
    }
}
