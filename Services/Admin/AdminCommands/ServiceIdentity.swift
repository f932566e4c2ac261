import BrokerTopology
import ClassifierService
import CouncilAuditService
import IntakeService
import NotifierService
import RouterService
import StaffAccounts

/// Who a pipeline service is to PostgreSQL and RabbitMQ: the role that owns its schema and the broker user
/// of ``Open137Topology/serviceUser(_:)``. The one list `open137 services provision` (and so `make run`)
/// works from.
public struct ServiceIdentity: Sendable, Hashable {
    /// The service.
    public let service: ServiceName
    /// Its schema (`council_audit`).
    public let schema: String
    /// Roles its own role is a member of (council-audit's appends run as the audit log's writer).
    public let memberOf: [String]

    /// The PostgreSQL role (`open137_council_audit`): owns the schema, nothing else.
    public var databaseRole: String { "open137_\(schema)" }
    /// The broker user (`open137-council-audit`).
    public var brokerUser: BrokerUser { Open137Topology.serviceUser(service) }
    /// The prefix of its keys in the env file (`COUNCIL_AUDIT` → `COUNCIL_AUDIT_DATABASE_URL`, `COUNCIL_AUDIT_AMQP_URL`).
    public var environmentPrefix: String { schema.uppercased() }

    /// Every service, in pipeline order.
    public static let all: [ServiceIdentity] = [
        // Intake's call screen and council-audit's dashboard sign staff in: their roles are members of the staff schema's owner.
        ServiceIdentity(service: .intake, schema: IntakeStage.schema, memberOf: [StaffDirectory.ownerRole]),
        ServiceIdentity(service: .classifier, schema: ClassifierStage.schema, memberOf: []),
        ServiceIdentity(service: .router, schema: RouterStage.schema, memberOf: []),
        ServiceIdentity(service: .notifier, schema: NotifierStage.schema, memberOf: []),
        ServiceIdentity(service: .councilAudit, schema: CouncilAuditStage.schema, memberOf: [AuditLog.writerRole, StaffDirectory.ownerRole]),
    ]
}
