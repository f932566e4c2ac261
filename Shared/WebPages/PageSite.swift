import Hummingbird

/// A service's pages as a site: its renderer and the links its header shows. What every site's pages
/// share — the header links in the page's language, a page with one message — is said here once.
public protocol PageSite: Sendable {
    /// The templates.
    var renderer: PageRenderer { get }
    /// The header's links: where, and the label in Persian and English.
    var headerLinks: [(href: String, fa: String, en: String)] { get }
}

extension PageSite {
    /// The header's links in `language`, the one at `current` marked as this page.
    public func links(_ language: PageLanguage, current: String) -> [PageFrame.Link] {
        headerLinks.map { PageFrame.Link(href: $0.href, label: language.pick($0.fa, $0.en), current: current == $0.href) }
    }

    /// A page with one message (errors, refusals, limits): never a 4xx or 5xx without words.
    public func messagePage(_ title: String, _ message: String, language: PageLanguage, path: String, status: HTTPResponse.Status,
                            staff: StaffPagesSession? = nil) -> Response {
        renderer.message(title, message, frame: PageFrame(title: title, language: language, path: path, links: links(language, current: ""), staff: staff),
                         status: status)
    }
}
