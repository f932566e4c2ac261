/// Words for the things people report, in Persian, English and Finglish, grouped by what they mean — so
/// that "تاب شکسته", "broken swing" and "tab shekaste" say the same thing to the duplicate matcher, whose
/// descriptions in different languages share no letters. Every entry goes through ``TextNormalizer`` (the
/// classifier's spelling), so variants it already folds need not be listed. Objects (the swing, the
/// pothole) weigh more than conditions (broken) and places (park): two reports of "something broken in the
/// park" are the same hazard only if the thing is the same.
public struct HazardLexicon: Sendable {
    /// What a concept is, which sets its weight.
    public enum Kind: Sendable {
        /// The thing that is wrong (swing, slide, pothole, lamp): weight 3.
        case object
        /// What is wrong with it (broken, leaking, dark): weight 1.
        case condition
        /// Where (park, school, street): weight 1.
        case place

        /// The concept's weight in the similarity.
        public var weight: Double {
            switch self {
            case .object: 3
            case .condition, .place: 1
            }
        }
    }

    /// Normalised word → (concept, kind).
    private let concepts: [String: (concept: String, kind: Kind)]

    /// The concept of a normalised word: the word itself, or the word without a Persian ending (`تابها`,
    /// `شکستهاست`, `سرسرهی`), a Finglish ezafe or an English inflection.
    public func concept(of word: String) -> (concept: String, kind: Kind)? {
        if let found = concepts[word] { return found }
        for ending in Self.endings where word.hasSuffix(ending) && word.count > ending.count + 1 {
            if let found = concepts[String(word.dropLast(ending.count))] { return found }
        }
        return nil
    }

    /// Persian endings, Finglish's ezafe (`tabe park`, `sorsoreye park`) and English inflections.
    static let endings = ["هایی", "های", "ها", "اش", "است", "ست", "ی", "ye", "e", "s", "es", "ed"]

    /// The lexicon shipped with Open137.
    public static let shipped = HazardLexicon(entries: [
        // The child-friendly city's playgrounds.
        ("swing", .object, ["تاب", "tab", "swing", "zanjir", "زنجیر", "chain"]),
        ("slide", .object, ["سرسره", "sorsore", "slide"]),
        ("seesaw", .object, ["الاکلنگ", "alakolang", "seesaw"]),
        ("sandpit", .object, ["شن", "شنی", "shen", "sand", "sandpit", "sandbox"]),
        ("heater", .object, ["بخاری", "bokhari", "heater", "گاز", "gaz", "gas"]),
        ("crosswalk", .object, ["خط", "عابر", "khat", "aber", "crosswalk", "crossing", "zebra", "خطکشی", "khatkeshi", "marking", "markings"]),
        ("bus", .object, ["اتوبوس", "otobus", "bus", "سرویس", "servis", "van"]),
        // City services.
        ("pothole", .object, ["چاله", "چال", "chale", "pothole", "hole", "گودال", "godal", "asphalt", "اسفالت", "asfalt"]),
        ("lamp", .object, ["چراغ", "cheraq", "lamp", "light", "streetlight", "لامپ", "lamp", "تیر", "pole"]),
        ("waste", .object, ["زباله", "اشغال", "zobale", "ashqal", "rubbish", "garbage", "trash", "waste", "bin", "سطل", "satl"]),
        ("tree", .object, ["درخت", "derakht", "tree", "شاخه", "shakhe", "branch"]),
        ("water", .object, ["اب", "ab", "water", "لوله", "lule", "pipe", "main"]),
        ("manhole", .object, ["دریچه", "dariche", "manhole", "cover", "فاضلاب", "fazelab", "sewer", "drain"]),
        ("dog", .object, ["سگ", "sag", "dog", "dogs", "ولگرد", "velgard", "stray"]),
        ("signal", .object, ["چراغراهنمایی", "راهنمایی", "rahnamayi", "signal", "traffic"]),
        // What is wrong.
        ("broken", .condition, ["شکسته", "شکست", "shekaste", "shekast", "broken", "broke", "break", "خراب", "kharab", "damaged", "پاره", "pare", "snapped", "torn", "کنده", "kande", "loose"]),
        ("dangerous", .condition, ["خطرناک", "خطر", "khatarnak", "khatar", "dangerous", "danger", "unsafe", "hazard"]),
        ("dark", .condition, ["خاموش", "khamush", "dark", "off", "out", "تاریک", "tarik"]),
        ("leak", .condition, ["نشت", "nasht", "leak", "leaking", "leaks", "burst", "ترکیده", "tarkide"]),
        ("full", .condition, ["پر", "por", "full", "overflowing", "ریخته", "rikhte"]),
        ("fallen", .condition, ["افتاده", "oftade", "fallen", "fell", "down"]),
        ("missing", .condition, ["ندارد", "nadare", "نیست", "nist", "missing", "no", "without", "بدون", "bedune", "پاک", "pak", "faded"]),
        ("sharp", .condition, ["تیز", "tiz", "sharp", "rusty", "زنگزده", "zangzade", "rust"]),
        // Where.
        ("park", .place, ["پارک", "park", "بوستان", "bustan", "playground", "زمین", "zamin", "بازی", "bazi", "play"]),
        ("school", .place, ["مدرسه", "دبستان", "madrese", "dabestan", "school"]),
        ("kindergarten", .place, ["مهد", "مهدکودک", "mahd", "kindergarten", "nursery"]),
        ("street", .place, ["خیابان", "khiaban", "street", "road", "کوچه", "kuche", "alley", "جاده", "jade"]),
    ])

    /// A lexicon of `(concept, kind, words)`; each word is normalised first. A word listed twice keeps its
    /// first concept.
    public init(entries: [(String, Kind, [String])]) {
        var concepts: [String: (concept: String, kind: Kind)] = [:]
        for (concept, kind, words) in entries {
            for word in words {
                for normalised in TextNormalizer.words(of: word) where concepts[String(String.UnicodeScalarView(normalised))] == nil {
                    concepts[String(String.UnicodeScalarView(normalised))] = (concept, kind)
                }
            }
        }
        self.concepts = concepts
    }
}
