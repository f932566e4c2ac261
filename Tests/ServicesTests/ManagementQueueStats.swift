import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing

/// A queue's counters from the broker's management API (`RABBITMQ_MANAGEMENT_URL`, the credentials of
/// `AMQP_URL`); the API refreshes them every few seconds.
enum ManagementQueueStats {
    /// True once the API shows `queue` with nothing ready or unacked after at least `acks` acks.
    static func settled(_ queue: String, acks: Int) async throws -> Bool {
        let environment = ProcessInfo.processInfo.environment
        let base = try #require(environment["RABBITMQ_MANAGEMENT_URL"], "RABBITMQ_MANAGEMENT_URL is not set (start the test stack)")
        let amqp = try #require(URLComponents(string: try TestEnvironment.amqpURL()))
        let user = amqp.user?.removingPercentEncoding ?? "", password = amqp.password?.removingPercentEncoding ?? ""
        let name = queue.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? queue
        var request = HTTPClientRequest(url: (base.hasSuffix("/") ? base : base + "/") + "api/queues/%2F/\(name)")
        request.headers.add(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok,
              let json = try JSONSerialization.jsonObject(with: Data(String(buffer: body).utf8)) as? [String: Any],
              let unacked = json["messages_unacknowledged"] as? Int, let ready = json["messages_ready"] as? Int,
              let stats = json["message_stats"] as? [String: Any], let acked = stats["ack"] as? Int
        else { return false }
        return unacked == 0 && ready == 0 && acked >= acks
    }
}
