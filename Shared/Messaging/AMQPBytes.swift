import CRabbitMQ

#if canImport(Glibc)
import Glibc
#endif

extension String {
    /// Decodes rabbitmq-c bytes as UTF-8.
    init(amqpBytes bytes: amqp_bytes_t) {
        guard bytes.len > 0, let base = bytes.bytes else {
            self = ""
            return
        }
        self = String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    /// Lends the string to rabbitmq-c as `amqp_bytes_t` for the duration of `body`.
    func withAMQPBytes<R>(_ body: (amqp_bytes_t) -> R) -> R {
        var copy = self
        return copy.withUTF8 { buffer in
            body(amqp_bytes_t(len: buffer.count, bytes: UnsafeMutableRawPointer(mutating: buffer.baseAddress)))
        }
    }
}

/// Copies of strings that must outlive a Swift closure while rabbitmq-c reads them; freed together.
struct CStringArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    /// A malloc'd copy of the string's UTF-8 bytes.
    mutating func bytes(_ string: String) -> amqp_bytes_t {
        var utf8 = string
        return utf8.withUTF8 { buffer in
            guard buffer.count > 0, let memory = malloc(buffer.count) else { return amqp_bytes_t(len: 0, bytes: nil) }
            memory.copyMemory(from: buffer.baseAddress!, byteCount: buffer.count)
            allocations.append(memory)
            return amqp_bytes_t(len: buffer.count, bytes: memory)
        }
    }

    /// Frees every copy.
    mutating func free() {
        for allocation in allocations { Glibc.free(allocation) }
        allocations.removeAll()
    }
}

/// Builds rabbitmq-c field tables (queue arguments, message headers) from `AMQPFieldValue`s.
struct AMQPTableBuilder {
    private var arena = CStringArena()
    private var entryBlocks: [UnsafeMutablePointer<amqp_table_entry_t>] = []
    private var valueBlocks: [UnsafeMutablePointer<amqp_field_value_t>] = []

    /// Runs `body` with a table built from `values`, then frees it.
    static func with<R>(_ values: [String: AMQPFieldValue], _ body: (amqp_table_t) -> R) -> R {
        var builder = AMQPTableBuilder()
        defer { builder.free() }
        return body(builder.table(values))
    }

    /// A table valid until `free()`.
    mutating func table(_ values: [String: AMQPFieldValue]) -> amqp_table_t {
        guard !values.isEmpty else { return amqp_empty_table }
        let entries = UnsafeMutablePointer<amqp_table_entry_t>.allocate(capacity: values.count)
        entryBlocks.append(entries)
        for (index, (key, value)) in values.sorted(by: { $0.key < $1.key }).enumerated() {
            (entries + index).initialize(to: amqp_table_entry_t(key: arena.bytes(key), value: field(value)))
        }
        return amqp_table_t(num_entries: Int32(values.count), entries: entries)
    }

    private mutating func field(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .string(let s):
            field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue)
            field.value.bytes = arena.bytes(s)
        case .int(let i):
            field.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue)
            field.value.i64 = i
        case .bool(let b):
            field.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue)
            field.value.boolean = b ? 1 : 0
        case .double(let d):
            field.kind = UInt8(AMQP_FIELD_KIND_F64.rawValue)
            field.value.f64 = d
        case .table(let t):
            field.kind = UInt8(AMQP_FIELD_KIND_TABLE.rawValue)
            field.value.table = table(t)
        case .array(let a):
            field.kind = UInt8(AMQP_FIELD_KIND_ARRAY.rawValue)
            let values = UnsafeMutablePointer<amqp_field_value_t>.allocate(capacity: max(a.count, 1))
            valueBlocks.append(values)
            for (index, element) in a.enumerated() { (values + index).initialize(to: self.field(element)) }
            field.value.array = amqp_array_t(num_entries: Int32(a.count), entries: values)
        case .bytes(let b):
            field.kind = UInt8(AMQP_FIELD_KIND_BYTES.rawValue)
            field.value.bytes = arena.bytes(String(decoding: b, as: UTF8.self))
        case .void:
            field.kind = UInt8(AMQP_FIELD_KIND_VOID.rawValue)
        }
        return field
    }

    /// Frees everything the builder allocated.
    mutating func free() {
        arena.free()
        for block in entryBlocks { block.deallocate() }
        for block in valueBlocks { block.deallocate() }
        entryBlocks.removeAll()
        valueBlocks.removeAll()
    }
}

/// Reads rabbitmq-c field tables (delivery headers, `x-death`) into `AMQPFieldValue`s.
enum AMQPTableReader {
    /// A field table as a dictionary.
    static func dictionary(_ table: amqp_table_t) -> [String: AMQPFieldValue] {
        var result: [String: AMQPFieldValue] = [:]
        guard table.num_entries > 0, let entries = table.entries else { return result }
        for index in 0..<Int(table.num_entries) {
            let entry = entries[index]
            result[String(amqpBytes: entry.key)] = value(entry.value)
        }
        return result
    }

    /// One field value.
    static func value(_ field: amqp_field_value_t) -> AMQPFieldValue {
        switch UInt32(field.kind) {
        case AMQP_FIELD_KIND_UTF8.rawValue: return .string(String(amqpBytes: field.value.bytes))
        case AMQP_FIELD_KIND_BYTES.rawValue:
            let b = field.value.bytes
            return .bytes(b.len == 0 ? [] : Array(UnsafeRawBufferPointer(start: b.bytes, count: b.len)))
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: return .bool(field.value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: return .int(Int64(field.value.i8))
        case AMQP_FIELD_KIND_U8.rawValue: return .int(Int64(field.value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: return .int(Int64(field.value.i16))
        case AMQP_FIELD_KIND_U16.rawValue: return .int(Int64(field.value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: return .int(Int64(field.value.i32))
        case AMQP_FIELD_KIND_U32.rawValue: return .int(Int64(field.value.u32))
        case AMQP_FIELD_KIND_I64.rawValue: return .int(field.value.i64)
        case AMQP_FIELD_KIND_U64.rawValue: return .int(Int64(clamping: field.value.u64))
        case AMQP_FIELD_KIND_TIMESTAMP.rawValue: return .int(Int64(clamping: field.value.u64))
        case AMQP_FIELD_KIND_F32.rawValue: return .double(Double(field.value.f32))
        case AMQP_FIELD_KIND_F64.rawValue: return .double(field.value.f64)
        case AMQP_FIELD_KIND_TABLE.rawValue: return .table(dictionary(field.value.table))
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            let array = field.value.array
            guard array.num_entries > 0, let entries = array.entries else { return .array([]) }
            return .array((0..<Int(array.num_entries)).map { value(entries[$0]) })
        default: return .void
        }
    }
}
