import WebAPI
import WebPages

/// The validator's problems as a page shows them: each beside its form field, in the page's language.
struct PageFieldErrors: Sendable {
    /// Message by form field (`description`, `district`, `phone`, …).
    private(set) var messages: [String: String] = [:]

    /// The problems of a refused submission, each mapped to its field and put in words for `language`.
    init(_ problems: [FieldProblem], language: PageLanguage) {
        for problem in problems {
            let field = Self.formField(problem.field)
            if messages[field] == nil { messages[field] = Self.message(problem, field: field, language: language) }
        }
    }

    /// No errors.
    init() {}

    /// The message for `field`, if any.
    subscript(_ field: String) -> String? { messages[field] }

    /// Whether there are any.
    var isEmpty: Bool { messages.isEmpty }

    /// The form field an API field belongs to.
    static func formField(_ apiField: String) -> String {
        switch apiField {
        case "location", "location.district": "district"
        case "location.address": "address"
        case "location.lat", "location.long": "location"
        case "reporter.name": "name"
        case "reporter.phone": "phone"
        case "reporter.email": "email"
        case "reporter.language": "language"
        case let other where other.hasPrefix("attributes"): "service_code"
        default: apiField
        }
    }

    /// The words for one problem.
    static func message(_ problem: FieldProblem, field: String, language: PageLanguage) -> String {
        switch (field, problem.code) {
        case ("description", "required"):
            return language.pick("شرح گزارش را بنویسید: چه چیزی، کجا، از کی.", "Describe the problem: what, where, since when.")
        case ("description", "too-long"):
            return language.pick("شرح بیش از ۴۰۰۰ نویسه است؛ کوتاه‌ترش کنید.", "The description is longer than 4000 characters; shorten it.")
        case (_, "html-not-allowed"), (_, "invalid-character"):
            return language.pick("فقط متن ساده بنویسید (بدون برچسب HTML).", "Plain text only (no HTML tags).")
        case ("district", "required") where problem.message.contains("district"):
            return language.pick("برای نشانی، منطقهٔ شهرداری (۱ تا ۲۲) را انتخاب کنید.", "Choose the district (1 to 22) of the address.")
        case ("district", "required"):
            return language.pick("محل را بگویید: منطقه و نشانی، یا «موقعیت من».", "Give the place: district and address, or \"use my location\".")
        case ("district", "outside-city"), ("location", "outside-city"):
            return language.pick("این موقعیت بیرون از شهر تهران است.", "This location is outside the city.")
        case ("district", _):
            return language.pick("منطقه عددی از ۱ تا ۲۲ است.", "The district is a number from 1 to 22.")
        case ("phone", _):
            return language.pick("شمارهٔ همراه ایرانی بنویسید، مانند ۰۹۱۲۱۲۳۴۵۶۷.", "Give an Iranian mobile number, such as 09121234567.")
        case ("email", _):
            return language.pick("این نشانی ایمیل درست نیست.", "This is not an e-mail address.")
        case ("name", _):
            return language.pick("نام حداکثر ۲۰۰ نویسهٔ متن ساده است.", "A name is at most 200 characters of plain text.")
        case ("service_code", _):
            return language.pick("این موضوع شناخته نیست؛ یکی از فهرست را انتخاب کنید.", "Unknown subject; choose one from the list.")
        case ("location", _):
            return language.pick("موقعیت دریافت‌شده درست نیست؛ دوباره «موقعیت من» را بزنید یا نشانی بنویسید.",
                                 "The location received is not valid; try \"use my location\" again or type the address.")
        default:
            return language.pick("این مقدار پذیرفته نیست.", "This value is not accepted.") + " (\(problem.message))"
        }
    }
}
