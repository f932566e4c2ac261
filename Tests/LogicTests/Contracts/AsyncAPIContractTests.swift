import BrokerTopology
import Contracts
import Foundation
import JSON
import Messaging
import Testing
import TestSupport

/// `contracts/asyncapi.yaml` against the code: the broker objects of `Open137Topology.all`, the event
/// types of `EventType`, and the envelope `CloudEvent` writes. The document cannot drift from the code.
@Suite("AsyncAPI contract")
struct AsyncAPIContractTests {
    /// The repository's contract, loaded fresh for each test.
    let contract: AsyncAPIDocument

    /// Loads the contract.
    init() throws {
        contract = try AsyncAPIDocument.loadContract()
    }

    // MARK: Broker objects

    /// Exchange channels: `bindings.amqp.exchange` of every channel with `is: routingKey`.
    private var documentedExchanges: [String: JSONValue] {
        var found: [String: JSONValue] = [:]
        for channel in contract.channels.values {
            guard channel.value(at: "/bindings/amqp/is")?.stringValue == "routingKey",
                  let exchange = channel.value(at: "/bindings/amqp/exchange"),
                  let name = exchange["name"]?.stringValue else { continue }
            found[name] = exchange
        }
        return found
    }

    /// Queue channels: `bindings.amqp.queue` of every channel with `is: queue`, by queue name.
    private var documentedQueues: [String: JSONValue] {
        var found: [String: JSONValue] = [:]
        for channel in contract.channels.values {
            guard channel.value(at: "/bindings/amqp/is")?.stringValue == "queue",
                  let queue = channel.value(at: "/bindings/amqp/queue"),
                  let name = queue["name"]?.stringValue else { continue }
            found[name] = queue
        }
        return found
    }

    private static func json(_ value: AMQPFieldValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(s)
        case .int(let i): return .number(Double(i))
        case .double(let d): return .number(d)
        case .bool(let b): return .bool(b)
        case .table(let t): return .object(t.mapValues(json))
        case .array(let a): return .array(a.map(json))
        case .bytes(let b): return .string(String(decoding: b, as: UTF8.self))
        case .void: return .null
        }
    }

    @Test("the document is AsyncAPI 2.6.0 with a CloudEvents envelope schema")
    func header() {
        #expect(contract.root["asyncapi"]?.stringValue == "2.6.0")
        #expect(contract.root.value(at: "/components/schemas/CloudEventEnvelope/properties/specversion/const") == .string("1.0"))
        #expect(contract.root.value(at: "/servers/broker/protocol")?.stringValue == "amqp")
    }

    @Test("every exchange of the topology is documented with its type, and nothing else is")
    func exchangesMatch() {
        let documented = documentedExchanges
        let code = Open137Topology.all.exchanges
        #expect(Set(documented.keys) == Set(code.map(\.name)))
        for exchange in code {
            guard let entry = documented[exchange.name] else { continue }
            #expect(entry["type"]?.stringValue == exchange.kind.rawValue, "type of \(exchange.name)")
            #expect(entry["durable"]?.boolValue == true, "durable \(exchange.name)")
            #expect(entry["autoDelete"]?.boolValue == false, "autoDelete \(exchange.name)")
            #expect(entry["vhost"]?.stringValue == "/", "vhost \(exchange.name)")
        }
    }

    @Test("every queue of the topology is documented with its arguments, and nothing else is")
    func queuesMatch() {
        let documented = documentedQueues
        let code = Open137Topology.all.queues
        #expect(Set(documented.keys) == Set(code.map(\.name)))
        for queue in code {
            guard let entry = documented[queue.name] else { continue }
            #expect(entry["durable"]?.boolValue == true, "durable \(queue.name)")
            #expect(entry["autoDelete"]?.boolValue == false, "autoDelete \(queue.name)")
            #expect(entry["exclusive"]?.boolValue == false, "exclusive \(queue.name)")
            #expect(entry["x-arguments"] == .object(queue.arguments.mapValues(Self.json)), "arguments of \(queue.name)")
        }
    }

    @Test("every binding of the topology is documented on its queue, and nothing else is")
    func bindingsMatch() {
        struct Binding: Hashable, CustomStringConvertible {
            var exchange, queue, routingKey: String
            var description: String { "\(exchange) -[\(routingKey)]-> \(queue)" }
        }
        var documented: Set<Binding> = []
        for (name, queue) in documentedQueues {
            for binding in queue["x-bindings"]?.arrayValue ?? [] {
                documented.insert(Binding(exchange: binding["exchange"]?.stringValue ?? "?", queue: name, routingKey: binding["routingKey"]?.stringValue ?? "?"))
            }
        }
        let code = Set(Open137Topology.all.bindings.map { Binding(exchange: $0.exchange, queue: $0.queue, routingKey: $0.routingKey) })
        #expect(documented.subtracting(code).isEmpty, "documented but not in the code: \(documented.subtracting(code))")
        #expect(code.subtracting(documented).isEmpty, "in the code but not documented: \(code.subtracting(documented))")
    }

    @Test("every work queue's consumer operation acks manually")
    func workQueuesAck() {
        for workQueue in Open137Topology.workQueues {
            let channel = contract.channels[workQueue.name]
            #expect(channel?.value(at: "/subscribe/bindings/amqp/ack")?.boolValue == true, "\(workQueue.name)")
        }
    }

    // MARK: Messages

    @Test("every event type has a message and a channel on the events exchange, and vice versa", arguments: EventType.all)
    func eventTypeDocumented(type: String) throws {
        let key = try #require(contract.messageKey(forEventType: type), "no message for \(type)")
        let message = try #require(contract.messages[key])
        #expect(message["name"]?.stringValue == type)
        let constants = message.value(at: "/payload/allOf")?.arrayValue?.compactMap { $0.value(at: "/properties/type/const")?.stringValue }
        #expect(constants == [type], "payload of \(key) fixes type to \(type)")
        let channel = try #require(contract.channels["\(Open137Topology.eventsExchange)/\(type)"], "no channel for \(type)")
        #expect(channel.value(at: "/bindings/amqp/exchange/name")?.stringValue == Open137Topology.eventsExchange)
        #expect(channel.value(at: "/subscribe/message/$ref")?.stringValue == "#/components/messages/\(key)")
    }

    @Test("the document names no event type the code does not (the events exchange's, and the router's refusal to a unit)")
    func noUnknownEventTypes() {
        let documented = contract.messages.values.compactMap { $0.value(at: "/bindings/amqp/messageType")?.stringValue }
        #expect(Set(documented) == Set(EventType.all + [UnitStatusRefusedData.eventType]))
        #expect(documented.count == EventType.all.count + 1)
    }

    @Test("the router's answers to a unit: a refusal as the router writes it validates, a broken one does not; the channel offers the three answers")
    func unitAnswers() throws {
        let refusal = UnitStatusRefusedData(reportID: reportID, unit: "parks", updateID: "u-1", status: "resolved", code: "illegal-transition",
                                            reason: "report \(reportID): assigned → resolved", at: "2026-01-02T08:00:00.000Z")
        let good = try CloudEvent(source: ServiceName.router.eventSource, type: UnitStatusRefusedData.eventType, subject: reportID, payload: refusal, correlationID: "u-1").encoded()
        #expect(contract.validate(eventBody: good, messageName: "UnitStatusRefused").isEmpty, "\(contract.validate(eventBody: good, messageName: "UnitStatusRefused"))")
        var broken = try members(of: try CloudEvent.decode(good))
        broken["data"] = .object(["report_id": .string(reportID), "unit": .string("parks")])
        #expect(!contract.validate(eventBody: try body(broken), messageName: "UnitStatusRefused").isEmpty)
        let channel = try #require(contract.channels["\(Open137Topology.unitsExchange)/{unit}.{answer}"])
        let answers = channel.value(at: "/parameters/answer/schema/enum")?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(answers == Open137Topology.UnitAnswer.allCases.map(\.rawValue))
        #expect(Open137Topology.unitAnswerKey("parks", .statusRefused) == "parks.status-refused")
    }

    @Test("every $ref in the document resolves")
    func referencesResolve() {
        var unresolved: [String] = []
        func walk(_ value: JSONValue, at path: String) {
            switch value {
            case .object(let members):
                if case .string(let reference)? = members["$ref"], contract.root.value(at: reference) == nil {
                    unresolved.append("\(path): \(reference)")
                }
                for (key, member) in members { walk(member, at: path + "/" + JSONPointer.escape(key)) }
            case .array(let items):
                for (index, item) in items.enumerated() { walk(item, at: path + "/\(index)") }
            default:
                break
            }
        }
        walk(contract.root, at: "")
        #expect(unresolved.isEmpty, "\(unresolved)")
    }

    @Test("every channel parameter is declared")
    func channelParameters() throws {
        let regex = try NSRegularExpression(pattern: "\\{([^}]+)\\}")
        for (name, channel) in contract.channels {
            let used = regex.matches(in: name, range: NSRange(name.startIndex..., in: name)).compactMap { match in
                Range(match.range(at: 1), in: name).map { String(name[$0]) }
            }
            let declared = channel["parameters"]?.objectValue?.keys.map { $0 } ?? []
            #expect(Set(used) == Set(declared), "parameters of \(name)")
        }
    }

    // MARK: Real envelopes against the schemas

    private let reportID = "3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f"

    private func event(_ type: String = EventType.reportReceived, source: ServiceName = .intake) -> CloudEvent {
        CloudEvent(source: source.eventSource, type: type, subject: reportID, data: sampleData(type))
    }

    /// Data of `type`: the real payload of each event type (minimal for types the contract leaves open).
    private func sampleData(_ type: String) -> JSONValue {
        SampleEventData.data(for: type, reportID: reportID)
    }

    /// The encoded event as an object, to break it on purpose.
    private func members(of event: CloudEvent) throws -> [String: JSONValue] {
        try #require(try JSONDocuments.parse(json: try event.encoded()).objectValue)
    }

    private func body(_ members: [String: JSONValue]) throws -> [UInt8] {
        Array(try JSONEncoder().encode(JSONValue.object(members)))
    }

    @Test("an encoded CloudEvent of every type validates against its message", arguments: EventType.all)
    func encodedEventValidates(type: String) throws {
        let body = try event(type).encoded()
        #expect(contract.validate(eventBody: body).isEmpty, "\(contract.validate(eventBody: body))")
        #expect(contract.validate(eventBody: body, eventType: type).isEmpty)
        #expect(contract.validate(eventBody: body, messageName: type).isEmpty)
    }

    @Test("an envelope with correlation id and traceparent validates; so does the bare envelope schema")
    func extensionsValidate() throws {
        var withExtensions = event()
        withExtensions.correlationid = "journey-1"
        withExtensions.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        #expect(contract.validate(eventBody: try withExtensions.encoded()).isEmpty)
        #expect(contract.validate(try JSONDocuments.parse(json: try withExtensions.encoded()), schemaNamed: "CloudEventEnvelope").isEmpty)
        var withoutSubject = event()
        withoutSubject.subject = nil
        #expect(contract.validate(eventBody: try withoutSubject.encoded()).isEmpty, "subject is optional")
    }

    @Test("an envelope without id fails")
    func missingID() throws {
        var broken = try members(of: event())
        broken["id"] = nil
        let errors = contract.validate(eventBody: try body(broken))
        #expect(errors.map(\.keyword) == ["required"])
        #expect(errors.first?.instancePath == "")
        #expect(errors.first?.schemaPath == "/components/schemas/CloudEventEnvelope/required")
        #expect(errors.first?.message.contains("\"id\"") == true)
    }

    @Test("specversion 0.3 fails")
    func oldSpecVersion() throws {
        var broken = try members(of: event())
        broken["specversion"] = .string("0.3")
        let errors = contract.validate(eventBody: try body(broken))
        #expect(errors.map(\.keyword) == ["const"])
        #expect(errors.first?.instancePath == "/specversion")
    }

    @Test("an attribute the envelope does not define fails")
    func extraAttribute() throws {
        var broken = try members(of: event())
        broken["dataschema"] = .string("https://example.org/schema")
        let errors = contract.validate(eventBody: try body(broken))
        #expect(errors.map(\.keyword) == ["additionalProperties"])
        #expect(errors.first?.instancePath == "/dataschema")
    }

    @Test("a bad traceparent, time or data fails where it is wrong")
    func badFields() throws {
        var broken = try members(of: event())
        broken["traceparent"] = .string("00-XYZ-01")
        broken["time"] = .string("1 March 2025")
        var data = try #require(broken["data"]?.objectValue)
        data["report_id"] = .string("not-a-uuid")
        broken["data"] = .object(data)
        let errors = contract.validate(eventBody: try body(broken))
        #expect(Set(errors.map(\.instancePath)) == ["/traceparent", "/time", "/data/report_id"])
        #expect(Set(errors.map(\.keyword)) == ["pattern", "format"])

        var noReport = try members(of: event())
        noReport["data"] = .object([:])
        #expect(Set(contract.validate(eventBody: try body(noReport)).map(\.instancePath)) == ["/data"])
        noReport["data"] = .string("text")
        #expect(contract.validate(eventBody: try body(noReport)).map(\.keyword) == ["type"])
    }

    @Test("an event checked against another type's message fails on type")
    func typeMismatch() throws {
        // A routed event whose data happens to be a full report: only its type is wrong.
        var routed = event(EventType.reportRouted)
        routed.data = sampleData(EventType.reportReceived)
        let errors = contract.validate(eventBody: try routed.encoded(), eventType: EventType.reportReceived)
        #expect(errors.map(\.keyword) == ["const"])
        #expect(errors.first?.instancePath == "/type")
    }

    @Test("bodies the contract cannot place are errors, not passes")
    func unplaceable() throws {
        #expect(contract.validate(eventBody: Array("not json".utf8)).map(\.keyword) == ["json"])
        #expect(contract.validate(eventBody: try event("report.unknown").encoded()).map(\.keyword) == ["message"])
        #expect(contract.validate(eventBody: Array(#"{"id":"x"}"#.utf8)).map(\.keyword) == ["message"])
        #expect(contract.validate(eventBody: try event().encoded(), messageName: "NoSuchMessage").map(\.keyword) == ["message"])
    }

    @Test("a unit status update validates against its message by name, as an event or bare; a wrong status or type fails")
    func unitStatusUpdate() throws {
        let data = SampleEventData.encoded(UnitStatusUpdateData(reportID: reportID, unit: "parks", status: "referred", note: "a kindergarten yard", referredTo: "social-affairs"))
        let update = CloudEvent(source: "/units/parks", type: UnitStatusUpdateData.eventType, subject: reportID, data: data)
        #expect(contract.validate(eventBody: try update.encoded(), messageName: "UnitStatusUpdate").isEmpty)
        #expect(contract.validate(eventBody: Array(try JSONEncoder().encode(data)), messageName: "UnitStatusUpdate").isEmpty)
        let wrongStatus = CloudEvent(source: "/units/parks", type: UnitStatusUpdateData.eventType, subject: reportID,
                                     data: SampleEventData.encoded(UnitStatusUpdateData(reportID: reportID, unit: "parks", status: "done")))
        #expect(!contract.validate(eventBody: try wrongStatus.encoded(), messageName: "UnitStatusUpdate").isEmpty)
        let wrongType = CloudEvent(source: "/units/parks", type: "unit.status", subject: reportID, data: data)
        #expect(!contract.validate(eventBody: try wrongType.encoded(), messageName: "UnitStatusUpdate").isEmpty)
    }
}
