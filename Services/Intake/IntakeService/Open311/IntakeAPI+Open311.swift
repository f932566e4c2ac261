import Hummingbird

extension IntakeAPI {
    /// Open311 GeoReport v2 under `/open311/v2/` and discovery at `/open311/discovery.{json,xml}`.
    func addOpen311Routes(to router: Router<IntakeRequestContext>) {
        // Filled in by the Open311 work (services, service definitions, requests, tokens, discovery).
    }
}
