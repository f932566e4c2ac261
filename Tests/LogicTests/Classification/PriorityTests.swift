import Classification
import Testing

/// P0 — immediate danger — from the danger rules, in sentences that are not in the corpus (the rules were
/// written against the corpus, so its cross-validated P0 recall flatters them; these do not).
@Suite("Priority")
struct PriorityTests {
    @Test("the issue's dangers are P0 in Persian, English and Finglish, with the rule named", arguments: [
        // Injured children.
        ("پسر کوچیکم از روی پله‌های پارک افتاد و سرش شکست", "injured-child"),
        ("A toddler fell off the slide at Mellat park and is bleeding", "injured-child"),
        ("dokhtare koochike man az tab oftad va dastash zakhmi shod", "injured-child"),
        // Broken equipment in use.
        ("سرسره پارک ترک برداشته و لبه‌اش تیز شده ولی بچه‌ها هنوز دارن بازی میکنن", "broken-play-equipment-in-use"),
        ("The slide is cracked with a sharp edge and kids are still playing on it", "broken-play-equipment-in-use"),
        ("tabe parke laleh zanjiresh pare shode vali bache ha hanooz rush bazi mikonan", "broken-play-equipment-in-use"),
        // Open manholes.
        ("درپوش منهول سر کوچه برداشته شده و چاه بازه", "open-manhole-or-pit"),
        ("Open manhole on Karimkhan street, no cover at all", "open-manhole-or-pit"),
        ("darpushe manhole vasate piaderoo nist, chah baz mande", "open-manhole-or-pit"),
        // Gas heaters in kindergartens.
        ("بخاری نفتی کلاس مهدکودک دود میکنه", "heater-in-kindergarten"),
        ("The gas heater in the kindergarten classroom has no flue", "heater-in-kindergarten"),
        ("bokhari gazi too kelase mahd doodkesh nadare", "heater-in-kindergarten"),
        // Speeding cars at a school gate.
        ("ماشین ها جلوی در دبستان خیلی تند میرن", "speeding-at-school"),
        ("Speeding cars outside the primary school gate every morning", "speeding-at-school"),
        ("mashina ba sorat az jeloye dare madrese rad mishan", "speeding-at-school"),
    ])
    func dangerIsP0(description: String, rule: String) throws {
        let decision = try ClassifierFixture.classifier().classify(description)
        #expect(decision.priority == .p0)
        #expect(decision.evidence.contains { $0.hasPrefix("danger rule \(rule):") && $0.hasSuffix("→ P0") }, "\(decision.evidence)")
    }

    @Test("near words that are not a danger stay below P0", arguments: [
        "karte metroye dokhtaram gom shode, chetor jadid begiram?",  // a lost card, not a lost child
        "لطفا جلوی دبستان پسرانه سرعت‌گیر نصب کنید",  // a speed bump request, not speeding
        "دریچه کولر کلاس مهد صدا میده و بچه ها موقع بازی میترسن",  // «بازی» (play) is not «باز» (open)
        "Please paint the faded railings of the school fence before autumn",
        "The manhole cover on our sidewalk rattles when cars drive over it",  // a manhole, but not open
    ])
    func notP0(description: String) throws {
        let decision = try ClassifierFixture.classifier().classify(description)
        #expect(decision.priority != .p0, "\(decision.evidence)")
        #expect(!decision.evidence.contains { $0.hasPrefix("danger rule") })
    }
}
