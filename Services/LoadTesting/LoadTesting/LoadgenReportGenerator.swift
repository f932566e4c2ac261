import Classification
import Taxonomy

/// Makes realistic reports for every service code of the taxonomy: descriptions are lines of the
/// classifier's labelled corpus (Persian, English and Finglish, as callers write them) that the bundled
/// model classifies as labelled, so each report lands where the generator meant it to. A share of the
/// reports are child-friendly city reports; places are coordinates in Tehran or an address with its
/// district; some reporters leave a name and number. Deterministic per (seed, sequence).
struct LoadgenReportGenerator: Sendable {
    /// Descriptions per service code: (text, corpus language tag).
    let pools: [String: [(text: String, language: String)]]
    /// The child-friendly codes, sorted.
    let childCodes: [String]
    /// The other codes, sorted.
    let generalCodes: [String]
    /// Share of child reports (0…1).
    let childShare: Double
    /// Varies the reports between runs.
    let seed: UInt64

    /// Builds the pools from the taxonomy and the corpus; throws when a code has no line the model
    /// classifies as labelled (the generator could not cover every code).
    init(taxonomy: Taxonomy, corpus: [LabelledReport], classifier: ReportClassifier?, childShare: Double, seed: UInt64) throws(LoadgenError) {
        var pools: [String: [(text: String, language: String)]] = [:]
        for line in corpus where taxonomy.service(line.serviceCode) != nil {
            // Only texts the classifier decides as labelled: a report's expected unit is then known.
            if let classifier, classifier.classify(line.description).serviceCode != line.serviceCode { continue }
            pools[line.serviceCode, default: []].append((line.description, line.lang ?? "fa"))
        }
        let missing = taxonomy.services.map(\.code).filter { pools[$0]?.isEmpty ?? true }
        guard missing.isEmpty else {
            throw LoadgenError(.corpus, "no corpus line classifies as \(missing.joined(separator: ", "))")
        }
        self.pools = pools
        self.childCodes = taxonomy.services.filter(\.isChildFriendly).map(\.code).sorted()
        self.generalCodes = taxonomy.services.filter { !$0.isChildFriendly }.map(\.code).sorted()
        self.childShare = childShare
        self.seed = seed
    }

    /// Every service code the generator covers.
    var codes: [String] { childCodes + generalCodes }

    /// The report number `sequence` of this run.
    func report(_ sequence: Int) -> LoadgenReport {
        var random = SplitMix64(seed: seed &+ UInt64(sequence) &* 0x9E37_79B9_7F4A_7C15)
        let child = random.unit() < childShare
        let codes = child ? childCodes : generalCodes
        let code = codes[random.below(codes.count)]
        let pool = pools[code]!
        let line = pool[random.below(pool.count)]
        let place: LoadgenReport.Place
        if random.unit() < 0.7 {
            // Inside CityBounds.tehran (35.53…35.85, 51.09…51.62) with a margin.
            place = .coordinates(lat: Self.round(35.56 + 0.26 * random.unit()), long: Self.round(51.12 + 0.46 * random.unit()))
        } else {
            let address = Self.addresses[random.below(Self.addresses.count)]
            place = .address(address.text, district: address.district)
        }
        let reporterType = child ? ["child", "parent", "parent", "other"][random.below(4)] : ["other", "other", "parent"][random.below(3)]
        var contact: LoadgenReport.Contact?
        if random.unit() < 0.4 {
            let name = Self.names[random.below(Self.names.count)]
            let digits = (0..<7).map { _ in String(random.below(10)) }.joined()
            contact = LoadgenReport.Contact(firstName: name.first, lastName: name.last, phone: "091\(random.below(10))\(digits)")
        }
        return LoadgenReport(
            sequence: sequence, description: line.text, language: line.language == "en" ? "en" : "fa", textLanguage: line.language,
            serviceCode: code, child: child, place: place, reporterType: reporterType, contact: contact,
            contactAllowed: contact != nil && random.unit() < 0.7)
    }

    private static func round(_ value: Double) -> Double { (value * 1e5).rounded() / 1e5 }

    private static let addresses: [(text: String, district: Int)] = [
        ("خیابان ولیعصر، نرسیده به پارک ساعی", 6), ("نارمک، خیابان گلبرگ", 8), ("میدان تجریش، کوچه مقصودبیک", 1),
        ("خیابان دماوند، روبروی ایستگاه مترو", 13), ("شهرری، خیابان فداییان اسلام", 20), ("تهرانپارس، فلکه دوم", 4),
        ("Azadi Street, near Sharif University", 9), ("Shahrak-e Gharb, Iran Zamin St.", 2), ("خیابان کارگر جنوبی", 11),
        ("نازی‌آباد، خیابان مدائن", 16), ("اسلامشهر جاده ساوه، یافت‌آباد", 18), ("پونک، بلوار عدل", 5),
    ]

    private static let names: [(first: String, last: String)] = [
        ("مریم", "احمدی"), ("علی", "رضایی"), ("زهرا", "محمدی"), ("حسین", "کریمی"), ("Sara", "Hosseini"), ("Reza", "Moradi"),
    ]
}
