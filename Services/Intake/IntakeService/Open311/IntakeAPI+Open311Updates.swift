import WebAPI
import Foundation
import Hummingbird

extension IntakeAPI {
    /// `GET /open311/v2/servicerequestupdates.{format}` (FixMyStreet's extension): the public history's
    /// status changes between `start_date` and `end_date`, oldest first. Public data, so no key is asked
    /// (the spec's "Requires API Key: No"); an `api_key` sent anyway is ignored.
    func open311Updates(_ request: Request, context: IntakeRequestContext, encoding: Open311Encoding) async throws -> Response {
        try limitAddress(context)
        let query = try open311Query(request)
        let window = try Open311UpdateWindow(query, now: Date())
        // One more than an answer may carry tells a span too busy apart from one exactly full.
        let updates = try await store.updates(from: window.start, to: window.end, limit: Open311UpdateWindow.maximumUpdates + 1)
        guard updates.count <= Open311UpdateWindow.maximumUpdates else { throw Open311UpdateWindow.tooManyUpdates }
        return Open311Document(root: "service_request_updates", body: .list(item: "request_update", updates.map(Open311Node.update)))
            .response(encoding)
    }

    /// `POST /open311/v2/servicerequestupdates.{format}` (FixMyStreet's extension): a citizen's update, with
    /// the API key of the `open311` channel. Stored once per client `update_id` beside the report (a repeat
    /// answers the same id); one asking to reopen a resolved or rejected report is refused (409): the
    /// public reopen needs the reporter's secret, which an Open311 client does not have.
    func open311PostUpdate(_ request: Request, context: IntakeRequestContext, encoding: Open311Encoding) async throws -> Response {
        try limitAddress(context)
        let form = try open311PostForm(request, body: try await collectBody(request))
        let identity = try await open311Identity(form)
        guard identity.mayUse(channel: "open311") else {
            throw APIError(.forbidden, code: "forbidden", message: "api_key is not a key of the open311 channel")
        }
        try checkJurisdiction(form)
        let update = try Open311CitizenUpdate(form)
        let updateID: String
        switch try await store.recordCitizenUpdate(update, scope: identity.keyID) {
        case .accepted(let id, let replayed):
            context.logger.info("citizen update stored", metadata: ["api_key": "\(identity.keyID)", "replayed": "\(replayed)"])
            updateID = id
        case .unknownReport:
            throw Open311CitizenUpdate.unknownRequest
        case .reopenRefused(let status):
            throw APIError(
                .conflict, code: "reopen-not-allowed",
                message: "the request is \(status == "resolved" ? "fixed" : "closed"); only its reporter (with the reopen secret, at /api/v1/track/{code}/reopen) or the council may open it again — the update was not stored"
            )
        case .updateIDReused:
            throw APIError(.conflict, code: "update-id-reused", message: "update_id was already used for another service_request_id")
        }
        return Open311Document(root: "service_request_updates", body: .updateAccepted(updateID)).response(encoding)
    }
}
