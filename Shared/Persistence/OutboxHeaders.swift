import Foundation
import Messaging

/// AMQP application headers as the outbox stores them: a flat JSON object of strings, integers, booleans
/// and doubles (a whole-numbered double comes back as an integer).
enum OutboxHeaders {
    private enum Value: Codable {
        case string(String), int(Int64), bool(Bool), double(Double)

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int64.self) { self = .int(i) }
            else if let d = try? c.decode(Double.self) { self = .double(d) }
            else { self = .string(try c.decode(String.self)) }
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .string(let s): try c.encode(s)
            case .int(let i): try c.encode(i)
            case .bool(let b): try c.encode(b)
            case .double(let d): try c.encode(d)
            }
        }
    }

    /// The JSON text of `headers`.
    static func encode(_ headers: [String: AMQPFieldValue]) throws(PersistenceError) -> String {
        if headers.isEmpty { return "{}" }
        var values: [String: Value] = [:]
        for (key, value) in headers {
            switch value {
            case .string(let s): values[key] = .string(s)
            case .int(let i): values[key] = .int(i)
            case .bool(let b): values[key] = .bool(b)
            case .double(let d): values[key] = .double(d)
            case .table, .array, .bytes, .void:
                throw PersistenceError(.encodingFailed, "outbox header \(key) must be a string, integer, boolean or double")
            }
        }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: try encoder.encode(values), as: UTF8.self)
        } catch {
            throw PersistenceError(.encodingFailed, "outbox headers could not be encoded as JSON")
        }
    }

    /// The headers of a stored row.
    static func decode(_ json: String) throws(PersistenceError) -> [String: AMQPFieldValue] {
        if json == "{}" { return [:] }
        let values: [String: Value]
        do {
            values = try JSONDecoder().decode([String: Value].self, from: Data(json.utf8))
        } catch {
            throw PersistenceError(.encodingFailed, "stored outbox headers are not a flat JSON object")
        }
        return values.mapValues { value in
            switch value {
            case .string(let s): return .string(s)
            case .int(let i): return .int(i)
            case .bool(let b): return .bool(b)
            case .double(let d): return .double(d)
            }
        }
    }
}
