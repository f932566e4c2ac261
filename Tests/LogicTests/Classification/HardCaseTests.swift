import Classification
import Testing

/// The hard cases, in sentences that are not in the corpus: the child code against its general
/// neighbour, in Persian, English and Finglish.
@Suite("Hard cases")
struct HardCaseTests {
    @Test("each hard case gets its code and child flag", arguments: [
        // A student's ticket card against an adult's.
        ("کارت بلیت دانش‌آموزی دخترم از دیروز تو گیت مترو کار نمی‌کنه", "CFC-TRANSPORT"),
        ("My son's student ticket card is rejected at the metro gate every morning", "CFC-TRANSPORT"),
        ("karte belite daneshamuzi pesaram too metro kar nemikone", "CFC-TRANSPORT"),
        ("کارت بلیت خودم تو ایستگاه اتوبوس شارژ نمیشه، پولش کم شده ولی شارژ نشده", "TRANSIT"),
        ("My metro card was charged twice at the top-up machine in Tajrish station", "TRANSIT"),
        // A crosswalk in front of a primary school against one at an intersection.
        ("خط‌کشی عابر پیاده جلوی دبستان شهید بهشتی کاملا محو شده و دیده نمیشه", "CFC-SCHOOL"),
        ("The zebra crossing outside the primary school on Shariati street has faded away", "CFC-SCHOOL"),
        ("خط‌کشی عابر پیاده تقاطع خیابان آزادی و جمالزاده پاک شده و دیده نمیشه", "TRAFFIC"),
        ("The zebra crossing at the junction of Azadi and Jamalzadeh has faded away", "TRAFFIC"),
        // A broken swing against a broken bench.
        ("تاب پارک محله زنجیرش پاره شده و کسی درستش نکرده", "CFC-PLAY"),
        ("The swing in Laleh park has a broken seat", "CFC-PLAY"),
        ("نیمکت چوبی پارک محله شکسته و کسی درستش نکرده", "GREEN"),
        ("The bench in Laleh park has a broken seat", "GREEN"),
        // A pothole at a kindergarten's door (the kindergarten's entrance is its code) against one in the street.
        ("یک چاله عمیق درست جلوی در ورودی مهدکودک شهرداری محله ما افتاده", "CFC-KG"),
        ("ye chale amigh dorost jeloye dare mahd koodake mahalle hast", "CFC-KG"),
        ("یک چاله عمیق وسط خیابان اصلی محله ما افتاده", "ROAD"),
        // Children working at crossroads.
        ("چند تا بچه کوچیک سر چهارراه ولیعصر شیشه ماشین‌ها رو پاک می‌کنن و گل می‌فروشن", "CFC-OTHER"),
        ("bache haye kar sare chaharrahe vanak gol mifrushan", "CFC-OTHER"),
    ])
    func hardCase(description: String, expected: String) throws {
        let classifier = try ClassifierFixture.classifier()
        let decision = classifier.classify(description)
        #expect(decision.serviceCode == expected, "\(decision.evidence)")
        #expect(decision.childFriendly == expected.hasPrefix("CFC-"))
    }
}
