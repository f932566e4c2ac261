@testable import Classification
import Testing

/// The normaliser: Persian and English as people type them reduce to one spelling.
@Suite("Text normaliser")
struct TextNormalizerTests {
    /// The text features of `text`, as the model reads them.
    private func features(_ text: String) -> Set<UInt64> {
        var hashes: Set<UInt64> = []
        FeatureExtractor(options: .standard).forEachDistinct(NormalizedReport(text)) { hash, _ in hashes.insert(hash) }
        return hashes
    }

    @Test("Arabic ي and ك become Persian ی and ک")
    func arabicLetters() {
        #expect(TextNormalizer.normalize("كودك") == "کودک")
        #expect(TextNormalizer.normalize("بازي") == "بازی")
        #expect(TextNormalizer.normalize("پارك ملي") == "پارک ملی")
        #expect(features("مدرسه كوچك") == features("مدرسه کوچک"))
    }

    @Test("Persian and Arabic-Indic digits become Latin digits")
    func digits() {
        #expect(TextNormalizer.normalize("منطقه ۱۲") == "منطقه 12")
        #expect(TextNormalizer.normalize("منطقه ١٢") == "منطقه 12")
        #expect(TextNormalizer.normalize("۰۹۱۲۳٤٥٦٧٨٩") == "09123456789")
    }

    @Test("diacritics and tatweel are removed without splitting the word")
    func diacriticsAndTatweel() {
        #expect(TextNormalizer.normalize("کُودَکِ") == "کودک")
        #expect(TextNormalizer.normalize("مـــدرســه") == "مدرسه")
        #expect(TextNormalizer.normalize("خطرناکٌ") == "خطرناک")
        #expect(features("کُودَکان") == features("کودکان"))
    }

    @Test("ZWNJ, a space or nothing between the parts of a word give the same words and features", arguments: [
        ("می‌شوند", "می شوند", "میشوند"),
        ("نمی‌کنند", "نمی کنند", "نمیکنند"),
        ("بچه‌ها", "بچه ها", "بچهها"),
        ("صندلی‌های پارک", "صندلی های پارک", "صندلیهای پارک"),
    ])
    func joinedWords(zwnj: String, spaced: String, joined: String) {
        let reference = TextNormalizer.words(of: joined)
        #expect(TextNormalizer.words(of: zwnj) == reference)
        #expect(TextNormalizer.words(of: spaced) == reference)
        #expect(features(zwnj) == features(joined))
        #expect(features(spaced) == features(joined))
    }

    @Test("the spellings of a whole report decide alike")
    func joinedWordsDecideAlike() throws {
        let classifier = try ClassifierFixture.classifier()
        let decisions = ["بچه‌ها روی تاب شکسته بازی می‌کنند", "بچه ها روی تاب شکسته بازی می کنند", "بچهها روی تاب شکسته بازی میکنند"]
            .map { classifier.classify($0) }
        #expect(Set(decisions.map(\.serviceCode)) == ["CFC-PLAY"])
        #expect(Set(decisions.map(\.confidence)).count == 1)
    }

    @Test("Latin is lower-cased; accents fold to the base letter")
    func latin() {
        #expect(TextNormalizer.normalize("Broken SWING at Laleh Park") == "broken sving at lale park")
        #expect(TextNormalizer.normalize("Kūdak") == TextNormalizer.normalize("kudak"))
    }

    @Test("common Finglish spellings meet", arguments: [
        ("koodak", "kudak"), ("madreseh", "madrese"), ("ghadim", "qadim"), ("mahde koodak", "mahde kudak"),
        ("zamin baazi", "zamin bazi"), ("dabestaan", "dabestan"), ("Sorsoreh", "sorsore"), ("servise", "serwise"),
    ])
    func finglish(one: String, other: String) {
        #expect(TextNormalizer.normalize(one) == TextNormalizer.normalize(other))
    }

    @Test("Finglish and English reach the taxonomy's keywords")
    func finglishKeywords() throws {
        let classifier = try ClassifierFixture.classifier()
        #expect(classifier.classify("zamin baazi parke ma tabesh shekaste").serviceCode == "CFC-PLAY")
        #expect(classifier.classify("jeloye dabestaane dokhtarane khat keshi nadare").serviceCode == "CFC-SCHOOL")
        #expect(classifier.classify("mahd koodake mahalle bokhari nadare, bache ha sardeshoon mishe").serviceCode == "CFC-KG")
    }

    @Test("punctuation separates words; script changes split a word; nothing is left at the ends")
    func separators() {
        #expect(TextNormalizer.normalize("  «پارک»،تاب!!  ") == "پارک تاب")
        #expect(TextNormalizer.normalize("kg۲") == "kg2")
        #expect(TextNormalizer.normalize("مهد5") == "مهد 5")
        #expect(TextNormalizer.normalize("...") == "")
    }
}
