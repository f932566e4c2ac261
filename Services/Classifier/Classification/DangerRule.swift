/// A rule that makes a report `P0` (immediate danger to a child or anyone): every group of terms must
/// have at least one match anywhere in the report (`open manhole` = a manhole word and an open word).
public struct DangerRule: Sendable, Hashable {
    /// Short name shown in the evidence (`open-manhole`).
    public var name: String
    /// Groups of alternative terms; all groups must match.
    public var groups: [[String]]

    /// Creates a rule.
    public init(name: String, groups: [[String]]) {
        self.name = name
        self.groups = groups
    }
}

extension DangerRule {
    static let childWords = [
        "کودک", "کودکان", "بچه", "بچه ها", "دختر بچه", "پسر بچه", "دانش اموز", "نوزاد", "خردسال", "پسرم", "دخترم",
        "child", "children", "kid", "kids", "boy", "girl", "toddler", "pupil", "baby",
        "bache", "bacheha", "kudak", "kudakan", "pesaram", "dokhtaram",
    ]
    static let injuryWords = [
        "زخمی", "مجروح", "اسیب دید", "اسیب دیده", "صدمه دید", "صدمه دیده", "خونریزی", "خون", "بخیه", "شکست", "شکستگی",
        "افتاد", "سقوط کرد", "بیمارستان", "اورژانس",
        "injured", "hurt", "bleeding", "blood", "stitches", "fell", "fallen", "hospital", "ambulance", "broke his", "broke her",
        "zakhmi", "majruh", "oftad", "bimarestan", "khun",
    ]
    static let playEquipment = [
        "تاب", "سرسره", "الاکلنگ", "وسایل بازی", "وسیله بازی", "زمین بازی", "میله", "نردبان",
        "swing", "slide", "seesaw", "play equipment", "climbing frame", "tab", "sorsore", "alakolang",
    ]
    static let brokenWords = [
        "شکسته", "شکست", "کنده", "لق", "تیز", "بریده", "پاره", "بیرون زده", "زنگ زده", "جدا شده",
        "broken", "loose", "sharp", "snapped", "torn", "rusty", "exposed", "shekaste", "kande", "tiz",
    ]
    static let inUseWords = [
        "بازی می کنند", "بازی میکنن", "بازی می کنن", "سوار می شوند", "سوار میشن", "استفاده می کنند", "دارند بازی",
        "using", "playing", "in use", "bazi mikonan", "bazi mikonand",
    ]

    /// The rules that ship: the dangers (injured children, broken equipment in use, open
    /// manholes, gas heaters or leaks in kindergartens, speeding at a school gate) and other immediate
    /// dangers to anyone (electric shock and live wires, fire, collapse, attacking dogs).
    public static let standard: [DangerRule] = [
        DangerRule(name: "injured-child", groups: [childWords, injuryWords]),
        DangerRule(name: "broken-play-equipment-in-use", groups: [playEquipment, brokenWords, inUseWords]),
        DangerRule(name: "open-manhole", groups: [
            ["دریچه", "چاه", "منهول", "درپوش", "دریچه فاضلاب", "manhole", "drain cover", "sewer", "dariche", "chah"],
            ["باز", "بدون درپوش", "بی درپوش", "درپوش ندارد", "برداشته", "open", "uncovered", "missing", "no cover", "baz"],
        ]),
        DangerRule(name: "gas-leak", groups: [[
            "بوی گاز", "نشت گاز", "نشتی گاز", "گاز گرفتگی", "گازگرفتگی", "گاز نشت", "مونوکسید", "gas leak", "smell of gas",
            "smells of gas", "gas smell", "carbon monoxide", "buye gaz", "bu gaz", "nasht gaz",
        ]]),
        DangerRule(name: "heater-in-kindergarten", groups: [
            ["بخاری", "بخاری گازی", "هیتر", "شومینه", "heater", "gas heater", "bokhari"],
            ["مهد", "مهدکودک", "مهد کودک", "کودکستان", "کلاس", "kindergarten", "nursery", "daycare", "classroom", "mahd", "kudakestan"],
        ]),
        DangerRule(name: "speeding-at-school", groups: [
            ["سرعت زیاد", "با سرعت", "سرعت بالا", "سرعت غیرمجاز", "لایی", "ویراژ", "تند می رانند", "speeding", "too fast", "fast", "racing", "sorat", "ba sorat"],
            ["مدرسه", "دبستان", "در مدرسه", "school", "madrese", "dabestan"],
        ]),
        DangerRule(name: "electric-shock", groups: [[
            "برق گرفت", "برق گرفتگی", "برقگرفتگی", "سیم لخت", "کابل لخت", "سیم برق لخت", "برق دار", "اتصال برق",
            "electric shock", "electrocuted", "electrocution", "live wire", "live wires", "bare wire", "bare wires", "exposed wire", "exposed wires",
            "sim lokht", "bargh gereft",
        ]]),
        DangerRule(name: "hanging-wires", groups: [
            ["سیم", "سیم برق", "کابل", "کابل برق", "wire", "wires", "cable", "cables", "sim", "sim bargh"],
            ["اویزان", "افتاده", "روی زمین", "قطع شده", "بیرون زده", "hanging", "dangling", "on the ground", "avizun", "avizan", "ruye zamin"],
        ]),
        DangerRule(name: "fire", groups: [[
            "اتش", "اتش سوزی", "اتیش", "حریق", "شعله", "اتش گرفت", "fire", "burning", "flames", "on fire", "atish", "atash", "atish gerefte",
        ]]),
        DangerRule(name: "collapse", groups: [[
            "ریزش", "فرو ریخت", "فروریخته", "فرو ریخته", "در حال ریزش", "نشست کرده", "فرونشست", "رانش", "ترک خورده و کج",
            "collapse", "collapsed", "collapsing", "sinkhole", "cave in", "caved in", "about to fall", "rizesh",
        ]]),
        DangerRule(name: "attacking-animal", groups: [
            ["سگ", "سگ ها", "dog", "dogs", "sag", "sagha"],
            ["حمله", "گاز گرفت", "گازش گرفت", "دنبال کرد", "attack", "attacked", "attacking", "bit", "bitten", "chased", "hamle"],
        ]),
        DangerRule(name: "missing-or-harmed-child", groups: [
            childWords,
            ["گم شده", "گم شد", "کتک", "ازار", "ربود", "تنها مانده", "missing", "lost", "beaten", "abused", "abandoned", "alone", "gom shode"],
        ]),
    ]
}
