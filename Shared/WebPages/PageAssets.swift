import Foundation
import HTTPTypes
import Hummingbird

/// `GET /assets/site.css` and `GET /assets/site.js`: the pages' only style and script, from this
/// module's bundle (no CDN: the pages load nothing from elsewhere).
public enum PageAssets {
    /// Adds the routes.
    public static func add<Context: RequestContext>(to router: Router<Context>) throws {
        for (name, type) in [("site.css", "text/css; charset=utf-8"), ("site.js", "text/javascript; charset=utf-8")] {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Assets") else {
                throw CocoaError(.fileNoSuchFile)
            }
            let bytes = try Data(contentsOf: url)
            router.get("/assets/\(name)") { _, _ in
                var headers: HTTPFields = [.contentType: type, .cacheControl: "public, max-age=300"]
                headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
    }
}
