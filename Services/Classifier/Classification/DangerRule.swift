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
    // Word lists shared by several rules. A term ending in `=` matches only a whole word (`باز=` is
    // "open", not the start of `بازی` "play"); any other term may be followed by a common suffix.

    static let childWords = [
        "کودک", "کودکان", "بچه", "بچه ها", "دختر بچه", "پسر بچه", "دختربچه", "پسربچه", "دانش اموز", "نوزاد", "خردسال",
        "پسرم", "دخترم", "بچم", "بچه ام", "فرزندم", "نوه ام", "ساله ام", "پسر کوچک", "دختر کوچک", "پسر کوچیک",
        "دختر کوچیک", "little boy", "little girl", "little one",
        "child", "children", "kid", "kids", "boy", "girl", "toddler", "toddlers", "pupil", "pupils", "baby", "babies",
        "schoolboy", "schoolgirl", "first grader", "my son", "my daughter", "year old", "year olds",
        "bache", "bacheha", "bache ha", "kudak", "kudakan", "pesaram", "dokhtaram", "pesar bache", "dokhtar bache", "bachem",
        "pesare kuchik", "dokhtare kuchik", "pesar kuchik", "dokhtar kuchik", "pesare kochik", "dokhtare kochik",
    ]
    static let injuryWords = [
        "زخمی", "مجروح", "اسیب دید", "اسیب دیده", "صدمه دید", "صدمه دیده", "خونریزی", "خون", "بخیه", "شکست", "شکستگی",
        "افتاد", "سقوط کرد", "بیمارستان", "اورژانس", "امبولانس", "درمانگاه", "برید", "بریده شد", "زخم", "سوخت",
        "کبود", "لای در", "گیر کرد", "ضربه مغزی", "بیهوش", "مسموم", "مسمومیت", "استفراغ", "زد به", "زیر گرفت", "تصادف کرد",
        "injured", "injury", "hurt", "bleeding", "blood", "stitches", "fell", "fallen", "hospital", "ambulance", "broke his",
        "broke her", "cut his", "cut her", "burned", "burnt", "bruised", "poisoned", "poisoning", "vomiting", "vomited",
        "unconscious", "was hit", "got hit", "run over", "caught in", "closed on",
        "zakhmi", "majruh", "oftad", "bimarestan", "khun", "boride", "borid", "zakhm", "sukht", "masmum", "tasadof",
    ]
    /// Near misses and children among traffic: the next one is an injury.
    static let nearMissWords = [
        "نزدیک بود", "چیزی نمونده بود", "کم مونده بود", "وسط اتوبان", "وسط بزرگراه", "ریل قطار",
        "nearly hit", "almost hit", "nearly run over", "almost run over", "nazdik bud", "vasate otoban",
    ]
    static let playEquipment = [
        "تاب", "سرسره", "الاکلنگ", "وسایل بازی", "وسیله بازی", "زمین بازی", "میله", "نردبان", "چرخ و فلک", "تونل",
        "شن بازی", "پارک کودک",
        "swing", "swings", "slide", "seesaw", "play equipment", "climbing frame", "roundabout", "merry go round",
        "sandpit", "playground", "tab", "sorsore", "alakolang", "zamin bazi", "vasayel bazi", "shen bazi",
    ]
    static let brokenWords = [
        "شکسته", "شکست", "کنده", "لق", "تیز", "بریده", "پاره", "بیرون زده", "زنگ زده", "جدا شده", "کج شده", "ترک خورده",
        "سوراخ", "افتاده", "ول شده", "در رفته",
        "broken", "broke", "loose", "sharp", "snapped", "torn", "rusty", "exposed", "cracked", "bent", "wobbly", "came off",
        "shekaste", "kande", "tiz", "pare", "pare shode", "shol", "kaj",
    ]
    /// Words that say the danger is being used or reached right now.
    static let inUseWords = [
        "بازی می کنند", "بازی میکنن", "بازی می کنن", "بازی میکنند", "دارند بازی", "دارن بازی", "در حال بازی", "مشغول بازی",
        "سوار می شوند", "سوار میشن", "سوارش میشن", "سوار میشوند", "استفاده می کنند", "استفاده میکنن", "هنوز سوار",
        "هنوز بازی",
        "میرن روش", "میرن توش", "رد میشن", "دست میزنن", "دست می زنند", "بهش دست",
        "using", "playing", "in use", "still using", "still playing", "kids are", "children are", "all around it",
        "climb on", "ride it", "bazi mikonan", "bazi mikonand", "dare bazi", "daran bazi", "savar mishan", "dast mizanan",
        "rad mishan",
    ]
    /// Hazards that hurt whoever touches them: with a child named, P0.
    static let acuteHazards = [
        "سیم لخت", "سیم برق لخت", "کابل لخت", "سیم بیرون زده", "سیمش بیرون", "برق داره", "برق دار", "برق میگیره",
        "برق گرفت", "پریز شکسته", "خرده شیشه", "شیشه شکسته", "سرنگ", "لبه تیز", "میخ بیرون", "لبه اهنی", "اهن تیز",
        "exposed wire", "exposed wires", "exposed electrical", "bare wire", "bare wires", "live wire", "syringe",
        "syringes", "needles", "broken glass", "shards", "sharp metal", "sharp edge", "rusty nail", "electric shock",
        "sim lokht", "sim birun", "bargh dare", "barq dare", "sorang", "shishe shekaste", "khorde shishe",
    ]
    static let schoolWords = [
        "مدرسه", "دبستان", "مدارس", "در مدرسه", "سرویس مدرسه", "school", "schools", "primary school", "school gate",
        "madrese", "dabestan", "madares",
    ]
    static let speedWords = [
        "سرعت زیاد", "با سرعت", "سرعت بالا", "سرعت غیرمجاز", "لایی", "ویراژ", "تند می رانند", "تند میرن", "تند میره",
        "تند میرونن", "تند رانندگی", "خیلی تند", "speeding", "speeds", "too fast", "fast", "racing", "race", "races",
        "ba sorat", "tond mire", "tond miran", "laei", "viraj",
    ]
    /// Something heavy that may fall on people.
    static let structureWords = [
        "دیوار", "درخت", "شاخه", "تیر", "تیر چراغ", "تیر برق", "نما", "سنگ نما", "تابلو", "تابلوی تبلیغاتی", "داربست",
        "ساختمان", "سقف", "کمد", "جرثقیل", "بالکن", "wall", "tree", "branch", "pole", "lamppost", "facade", "stones",
        "billboard", "sign", "scaffolding", "building", "ceiling", "crane", "balcony", "divar", "derakht", "shakhe",
        "sakhteman", "sakhtemun", "dar bast", "darbast", "saqf",
    ]
    static let fallingWords = [
        "ممکنه بیفته", "ممکن است بیفتد", "ممکن است فرو بریزد", "ممکنه بریزه", "هر لحظه", "هر ان", "میفته", "می افتد",
        "میفتد", "بریزه", "میریزه", "فرو بریزد", "در حال سقوط", "افتاده وسط", "شل شده", "بالای سر عابران",
        "بالای سر مردم", "over people's heads", "over pedestrians",
        "falling", "could drop", "could fall", "about to fall", "any minute", "pieces falling", "may collapse",
        "mirize", "biofte", "miofte", "shol shode",
    ]

    /// The rules that ship: the dangers (injured children, broken equipment in use, open manholes
    /// and pits, gas heaters or leaks in kindergartens, speeding at a school gate) and other immediate
    /// dangers to a child or anyone (children alone or among traffic, live wires, fire, collapse and
    /// falling objects, dead traffic lights, floods that trap people, attacking dogs).
    ///
    /// Written against the labelled corpus's P0 reports, so the cross-validated P0 recall flatters them;
    /// the tests check sentences that are not in the corpus.
    public static let standard: [DangerRule] = [
        DangerRule(name: "injured-child", groups: [childWords, injuryWords]),
        DangerRule(name: "child-near-miss", groups: [childWords, nearMissWords]),
        DangerRule(name: "broken-play-equipment-in-use", groups: [playEquipment, brokenWords, inUseWords + injuryWords]),
        DangerRule(name: "hazard-within-reach-of-children", groups: [acuteHazards, childWords]),
        DangerRule(name: "open-manhole-or-pit", groups: [
            [
                "دریچه", "چاه", "منهول", "درپوش", "دریچه فاضلاب", "کانال", "گودال", "گود", "ترانشه", "گودبرداری",
                "manhole", "drain cover", "sewer", "trench", "pit", "hole", "excavation", "ditch",
                "dariche", "chah", "kanal", "godal", "godbardari",
            ],
            [
                "باز=", "بازه", "روباز", "باز مانده", "باز گذاشتن", "بدون درپوش", "بی درپوش", "درپوش ندارد", "درپوش نداره",
                "برداشته", "بدون حفاظ", "بی حفاظ", "حفاظ نداره", "حفاظ ندارد", "حصاری ندارد", "حصار ندارد", "حصار نداره",
                "بدون حصار", "open=", "uncovered", "missing", "no cover", "unfenced", "no fence", "no barrier", "left open",
                "baz=", "baze=", "bedune darpush", "bedune hefaz", "hefaz nadare", "درپوش نیست", "darpush nist",
                "خطرناک", "dangerous", "khatarnak",
            ],
        ]),
        DangerRule(name: "gas-leak", groups: [
            ["گاز", "gas", "gaz"],
            ["بوی", "بو=", "نشت", "نشتی", "گرفتگی", "smell", "smells", "leak", "leaking", "bu=", "buye", "nasht"],
        ]),
        DangerRule(name: "gas-leak", groups: [["گازگرفتگی", "مونوکسید", "carbon monoxide", "monoxide"]]),
        DangerRule(name: "heater-in-kindergarten", groups: [
            ["بخاری", "بخاری گازی", "بخاری نفتی", "هیتر", "شومینه", "heater", "gas heater", "bokhari"],
            ["مهد", "مهدکودک", "مهد کودک", "کودکستان", "کلاس", "kindergarten", "nursery", "daycare", "classroom", "mahd", "kudakestan"],
        ]),
        DangerRule(name: "speeding-at-school", groups: [speedWords, schoolWords]),
        DangerRule(name: "unsafe-school-service", groups: [
            ["سرویس مدرسه", "سرویس", "راننده سرویس", "school van", "school bus", "school service", "servise", "servis"],
            [
                "ترمز", "تا بچه", "موبایل", "گوشی", "تند", "سرعت", "لایی", "brake", "brakes", "kids in a", "children in a",
                "phone", "speeds", "speeding", "tormoz", "ta bache", "mobile",
            ],
        ]),
        DangerRule(name: "child-alone-or-in-danger", groups: [
            childWords,
            [
                "کتک", "ازار", "ربود", "تنها مانده", "تنهایی", "تنها نشسته", "بدون همراه", "سرگردان", "بی سرپرست مانده",
                "مشکوک", "مشکوکه", "زیر صفر", "زیر صفره", "beaten", "abused", "abandoned", "alone", "unattended", "stranger",
                "suspicious", "freezing", "tanha", "tanhayi", "mashkuk",
            ],
        ]),
        // A lost card is not a lost child: only the child itself going missing (`کارت دخترم گم شده`, "my
        // daughter's card is lost", reads like "my daughter is lost" word for word, so no possessives here).
        DangerRule(name: "lost-child", groups: [[
            "بچه گم شده", "کودک گم شده", "کودکی گم شده", "lost child", "missing child", "child is missing",
            "child went missing", "bache gom shode",
        ]]),
        DangerRule(name: "broken-footbridge-used-by-children", groups: [
            ["پل عابر", "پل هوایی", "footbridge", "pedestrian bridge", "pol abere", "pol havayi"],
            brokenWords + ["نداره", "ندارد", "nadare", "missing"],
            childWords,
        ]),
        DangerRule(name: "furniture-may-topple-on-children", groups: [
            ["کمد", "قفسه", "کتابخانه", "cupboard", "wardrobe", "bookcase", "shelf", "shelves", "komod"],
            ["لق", "پیچ نشده", "loose", "not fixed", "not anchored", "wobbly", "shol"],
            childWords,
        ]),
        DangerRule(name: "blocked-emergency-exit", groups: [
            ["خروج اضطراری", "در اضطراری", "emergency exit", "fire exit", "khoruj ezterari"],
            ["قفل", "بستن", "بسته", "زنجیر", "locked", "blocked", "chained", "qofl"],
        ]),
        DangerRule(name: "electric-shock", groups: [[
            "برق گرفت", "برق گرفتگی", "برقگرفتگی", "سیم لخت", "کابل لخت", "سیم برق لخت", "برق دار", "برق داره", "اتصال برق",
            "electric shock", "electrocuted", "electrocution", "live wire", "live wires", "bare wire", "bare wires", "exposed wire", "exposed wires",
            "sim lokht", "bargh gereft",
        ]]),
        DangerRule(name: "hanging-wires", groups: [
            ["سیم", "سیم برق", "کابل", "کابل برق", "کابلش", "wire", "wires", "cable", "cables", "sim", "sim bargh"],
            ["اویزان", "افتاده", "روی زمین", "قطع شده", "بیرون زده", "بیرونه", "hanging", "dangling", "on the ground", "avizun", "avizan", "ruye zamin"],
        ]),
        DangerRule(name: "fire", groups: [[
            "اتش سوزی", "حریق", "شعله", "اتش گرفت", "اتش گرفته", "fire", "burning", "flames", "on fire", "atish gerefte", "atash sozi",
        ]]),
        DangerRule(name: "collapse", groups: [[
            "فرو ریخت", "فروریخته", "فرو ریخته", "در حال ریزش", "نشست کرده", "فرونشست", "رانش", "ترک خورده و کج",
            "collapse", "collapsed", "collapsing", "sinkhole", "cave in", "caved in", "about to fall", "rizesh",
        ]]),
        DangerRule(name: "falling-object", groups: [structureWords, fallingWords]),
        DangerRule(name: "traffic-lights-out", groups: [
            ["چراغ راهنمایی", "چراغ قرمز", "لامپ قرمز", "traffic light", "traffic lights", "cheragh qermez", "cheragh rahnamayi"],
            ["خاموش", "سوخته", "قطع", "dead", "not working", "khamush", "sukhte"],
        ]),
        DangerRule(name: "flood-trapping-people", groups: [
            ["ابگرفتگی", "اب گرفتگی", "سیل", "اب باران", "flood", "flooding", "ab gereftegi"],
            [
                "شدید", "گیر کرد", "گیر کردن", "سرنشین", "تو حیاط", "سرازیر", "اب برداشته", "trapped", "stuck", "pouring in",
                "send help", "shadid", "gir kardan",
            ],
        ]),
        DangerRule(name: "moving-with-doors-open", groups: [["با در باز", "doors open", "door open", "dar baz"], ["حرکت", "moving", "harekat"]]),
        DangerRule(name: "attacking-animal", groups: [
            ["سگ", "سگ ها", "dog", "dogs", "sag", "sagha"],
            ["حمله", "گاز گرفت", "گازش گرفت", "دنبال", "attack", "attacked", "attacking", "bit", "bitten", "chased", "hamle"],
        ]),
    ]
}
