/// What the shared layout shows around a page: language and direction, the title, the header's links,
/// the language switch and, for staff, who is signed in with the sign-out form.
public struct PageFrame: Sendable {
    /// `fa` or `en`.
    public var lang: String
    /// `rtl` or `ltr`.
    public var dir: String
    /// The page's title (also the `<title>`).
    public var title: String
    /// The site's name in the header.
    public var siteName: String
    /// The link of the language switch (this page in the other language).
    public var switchURL: String
    /// The switch's label (the other language's own name).
    public var switchLabel: String
    /// The `lang` of the switch's label.
    public var switchLang: String
    /// The header's links.
    public var links: [Link]
    /// The signed-in staff member, if any.
    public var staff: Staff?
    /// The rendered page (set by ``PageRenderer``).
    public var content: String = ""
    /// The label of the skip link.
    public var skipLabel: String

    /// A header link.
    public struct Link: Sendable {
        /// Where it goes.
        public var href: String
        /// Its label.
        public var label: String
        /// Whether it is this page (`aria-current`).
        public var current: Bool

        /// Creates a link.
        public init(href: String, label: String, current: Bool = false) {
            self.href = href
            self.label = label
            self.current = current
        }
    }

    /// The staff member in the header.
    public struct Staff: Sendable {
        /// The display name.
        public var name: String
        /// The session's CSRF token for the sign-out form.
        public var csrf: String
        /// The sign-out button's label.
        public var signOutLabel: String
    }

    /// A frame for `path` (the switch links to it with the other language) in `language`.
    public init(title: String, language: PageLanguage, path: String, links: [Link] = [], staff: StaffPagesSession? = nil) {
        lang = language.rawValue
        dir = language.direction
        self.title = title
        siteName = language.pick("سامانه ۱۳۷ شهر تهران", "Tehran 137 city reports")
        let separator = path.contains("?") ? "&" : "?"
        switchURL = path + separator + "lang=" + language.other.rawValue
        switchLabel = language.other.ownName
        switchLang = language.other.rawValue
        self.links = links
        skipLabel = language.pick("رفتن به محتوای اصلی", "Skip to the main content")
        self.staff = staff.map { Staff(name: $0.session.account.displayName, csrf: $0.session.csrfToken, signOutLabel: language.pick("خروج", "Sign out")) }
    }
}
