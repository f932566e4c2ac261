import Foundation

/// A generated set of reports for measuring the ``DuplicateMatcher``, the same on every machine (seeded
/// ``SplitMix64``): hazards of eleven kinds, each at several sites drawn from one pool of places (so a swing
/// and a slide, or a lamp and a pothole, share a park or a street), each site reported several times in
/// Persian, English or Finglish paraphrases, with GPS error, sometimes by address alone and sometimes under
/// another code. Two reports are the same hazard when they come from the same site — the truth the
/// matcher is scored against; every pair of reports is a pair of the set.
public struct DuplicateEvaluationSet: Sendable {
    /// One generated report.
    public struct Report: Sendable {
        /// The hazard site it reports (the truth).
        public var site: Int
        /// The kind of hazard, for the report's listing.
        public var kind: String
        /// The report as the matcher sees it.
        public var candidate: DuplicateCandidate
        /// Its text, for listing.
        public var description: String
    }

    /// The reports.
    public let reports: [Report]

    /// Number of pairs (every two reports).
    public var pairCount: Int { reports.count * (reports.count - 1) / 2 }

    /// The set for `seed` (the command and the tests use the default), `sitesPerKind` sites per kind (at most
    /// 24, the places) and `reportsPerSite` reports per site.
    public init(seed: UInt64 = 20, sitesPerKind: Int = 5, reportsPerSite: Int = 5) {
        var random = SplitMix64(seed: seed)
        let start = Date(timeIntervalSince1970: 1_780_000_000)
        // The pool of places: points in Tehran with an address (district, park or street).
        let places: [(lat: Double, long: Double, district: Int, name: String)] = (0..<24).map { index in
            (35.66 + random.unit() * 0.1, 51.28 + random.unit() * 0.2, 1 + random.below(22), Self.placeNames[index % Self.placeNames.count])
        }
        var reports: [Report] = []
        var site = 0
        for kind in Self.kinds {
            let radius = kind.radius
            var firstSite: (lat: Double, long: Double)?
            // Each site of a kind at a place of its own: two swings at one point would be one swing.
            var free = Array(places.indices)
            for siteIndex in 0..<sitesPerKind {
                // The first two sites of a kind are neighbours: the second 0.6–1.6 radii from the first
                // (the swing of the next playground) — a different hazard the radius alone cannot tell apart.
                let place = places[free.remove(at: random.below(free.count))]
                var (lat, long) = (place.lat, place.long)
                if siteIndex == 1, let first = firstSite {
                    (lat, long) = Self.offset(first.lat, first.long, metres: radius * (0.6 + random.unit()), bearing: random.unit() * 2 * .pi)
                }
                if siteIndex == 0 { firstSite = (lat, long) }
                let siteTime = start.addingTimeInterval(random.unit() * 10 * 86_400)
                for _ in 0..<reportsPerSite {
                    let phrase = kind.phrases[random.below(kind.phrases.count)]
                    // GPS error: mostly well inside the radius, now and then past it.
                    let error = abs(Self.gaussian(&random)) * radius * 0.35
                    let (rlat, rlong) = Self.offset(lat, long, metres: error, bearing: random.unit() * 2 * .pi)
                    let byAddress = random.unit() < 0.2
                    let withAddress = byAddress || random.unit() < 0.5
                    let address = withAddress ? Self.addressVariants(place.name)[random.below(3)] : nil
                    var code = kind.code
                    if random.unit() < 0.15 { code = kind.code.hasPrefix("CFC-") ? "CFC-OTHER" : "OTHER" }
                    reports.append(Report(
                        site: site, kind: kind.name,
                        candidate: DuplicateCandidate(
                            serviceCode: code, latitude: byAddress ? nil : rlat, longitude: byAddress ? nil : rlong,
                            district: withAddress ? place.district : nil, address: address,
                            receivedAt: siteTime.addingTimeInterval(random.unit() * 15 * 86_400), description: phrase),
                        description: phrase))
                }
                site += 1
            }
        }
        self.reports = reports
    }

    /// A point `metres` from (lat, long) towards `bearing` (radians; flat Earth is exact enough for metres).
    static func offset(_ lat: Double, _ long: Double, metres: Double, bearing: Double) -> (Double, Double) {
        let dLat = metres * cos(bearing) / 111_320
        let dLong = metres * sin(bearing) / (111_320 * cos(lat * .pi / 180))
        return (lat + dLat, long + dLong)
    }

    /// A standard normal draw (Box–Muller).
    static func gaussian(_ random: inout SplitMix64) -> Double {
        let u = max(random.unit(), 1e-12), v = random.unit()
        return sqrt(-2 * log(u)) * cos(2 * .pi * v)
    }

    /// Three ways of writing one place: two with the same words in another order and spelling (one place
    /// key), one with another word for it (a different key: an address match misses it).
    static func addressVariants(_ name: String) -> [String] {
        ["پارک \(name)، خیابان اصلی", "خيابان اصلي - پارك \(name)", "بوستان \(name)"]
    }

    static let placeNames = ["لاله", "ملت", "شفق", "ساعی", "نیاوران", "قیطریه", "هنرمندان", "دانشجو", "پردیسان", "جمشیدیه", "طالقانی", "آزادگان"]

    /// A kind of hazard: its code and radius (as the taxonomy has them) and its paraphrases.
    struct Kind: Sendable {
        var name: String
        var code: String
        var radius: Double
        var phrases: [String]
    }

    /// The kinds, each with paraphrases in Persian, English and Finglish — some with words the lexicon
    /// does not know, as people write.
    static let kinds: [Kind] = [
        Kind(name: "swing", code: "CFC-PLAY", radius: 40, phrases: [
            "تاب پارک شکسته است", "زنجیر تاب زمین بازی پاره شده و بچه‌ها می‌افتند", "تاب‌های بوستان خراب است، خطرناک است",
            "The swing in the park is broken", "swing chain snapped at the playground, kids could fall", "broken swing, dangerous",
            "tabe park shekaste", "zanjire tab pare shode", "tab haye bazi kharab hastan khatarnake",
        ]),
        Kind(name: "slide", code: "CFC-PLAY", radius: 40, phrases: [
            "سرسره پارک شکسته و لبه‌اش تیز است", "سرسره زمین بازی ترک خورده", "سرسره خراب است",
            "The slide has a sharp broken edge", "cracked slide at the playground", "slide is broken and unsafe",
            "sorsore shekaste va tize", "sorsoreye park kharab shode", "labeye sorsore tiz ast",
        ]),
        Kind(name: "sandpit", code: "CFC-PLAY", radius: 40, phrases: [
            "در شن بازی شیشه شکسته ریخته", "شن‌بازی پارک پر از زباله و سرنگ است", "داخل شنی بچه‌ها شیشه است",
            "broken glass in the sandpit", "the sandbox is full of needles and rubbish", "glass in the kids' sand area",
            "too shen bazi shishe rikhte", "shen bazi por az ashghal ast", "shishe dar shen",
        ]),
        Kind(name: "heater", code: "CFC-KG", radius: 50, phrases: [
            "بخاری گازی مهدکودک دودکش ندارد", "بوی گاز در کلاس مهد می‌آید", "بخاری مهد خطرناک است",
            "the kindergarten's gas heater has no flue", "smell of gas in the nursery classroom", "unsafe heater at the kindergarten",
            "bokhari mahd doodkesh nadare", "booye gaz too mahd miad", "bokhari gazi mahde koodak khatarnake",
        ]),
        Kind(name: "crosswalk", code: "CFC-SCHOOL", radius: 100, phrases: [
            "خط‌کشی عابر جلوی مدرسه پاک شده", "جلوی دبستان خط عابر پیاده ندارد", "خط عابر مدرسه دیده نمی‌شود",
            "the crosswalk in front of the school has faded", "no zebra crossing at the primary school gate", "school crossing markings are gone",
            "khat keshi jeloye madrese pak shode", "jeloye dabestan khate aber nadare", "khat aber madrese nist",
        ]),
        Kind(name: "pothole", code: "ROAD", radius: 200, phrases: [
            "چاله بزرگ وسط خیابان", "آسفالت خیابان گود شده و چاله دارد", "یک گودال عمیق در کوچه",
            "a big pothole in the middle of the street", "deep hole in the asphalt", "pothole on the road damaged my tyre",
            "chale bozorg vasat khiaban", "asfalt khiaban chale dare", "ye godale amigh too kooche",
        ]),
        Kind(name: "lamp", code: "LIGHT", radius: 60, phrases: [
            "چراغ برق کوچه خاموش است", "لامپ تیر چراغ سوخته و شب تاریک است", "چراغ‌های پارک روشن نمی‌شوند",
            "the street light is out", "lamp post dark at night", "park lights are not working",
            "cheragh kooche khamooshe", "lampe tir sookhte", "cheraghaye park roshan nemishan",
        ]),
        Kind(name: "water", code: "WATER", radius: 150, phrases: [
            "لوله آب ترکیده و آب در خیابان جاری است", "نشت آب از زیر آسفالت", "آب از لوله شهری بیرون می‌زند",
            "a water main burst and the street is flooded", "water leaking from under the road", "burst pipe spraying water",
            "lule ab tarkide", "nashte ab az zire asfalt", "ab az lule birun mizane",
        ]),
        Kind(name: "waste", code: "WASTE", radius: 80, phrases: [
            "سطل زباله پر شده و زباله روی زمین ریخته", "زباله‌ها سه روز است جمع نشده", "بوی بد زباله کنار پارک",
            "the rubbish bin is overflowing", "garbage not collected for three days", "trash everywhere next to the park",
            "satle ashghal por shode", "zobale ha jam nashode", "booye bade ashghal kenare park",
        ]),
        Kind(name: "dogs", code: "ANIMAL", radius: 250, phrases: [
            "سگ‌های ولگرد به بچه‌ها حمله می‌کنند", "چند سگ ولگرد در پارک هستند", "سگ‌ها جلوی مدرسه پارس می‌کنند",
            "stray dogs chasing children", "a pack of stray dogs in the park", "dogs barking at kids outside the school",
            "sag haye velgard be bache ha hamle mikonan", "chand ta sage velgard too park", "sag ha jeloye madrese",
        ]),
        Kind(name: "tree", code: "GREEN", radius: 100, phrases: [
            "درخت افتاده روی پیاده‌رو", "شاخه بزرگ درخت شکسته و آویزان است", "درخت کهنه در حال افتادن است",
            "a tree has fallen across the pavement", "a big branch broke and is hanging", "old tree about to fall",
            "derakht oftade roo piade ro", "shakheye derakht shekaste", "derakhte ghadimi dare mioftad",
        ]),
    ]
}
