import BrokerTopology
import ClassifierService
import CouncilAuditService
import DeskService
import IntakeService
import NotifierService
import RouterService
import StaffAccounts

/// Who a service is to PostgreSQL and RabbitMQ: the role that owns its schemas and, for the pipeline
/// services, the broker user of ``Open137Topology/serviceUser(_:)``. The one list `open137 services
/// provision` (and so `make run`) works from.
public struct ServiceIdentity: Sendable, Hashable {
    /// The service's name (`council-audit`, `desk`).
    public let name: String
    /// The schemas its role owns, its main one first (`council_audit`; the desk: one per unit).
    public let schemas: [String]
    /// Roles its own role is a member of (council-audit's appends run as the audit log's writer).
    public let memberOf: [String]
    /// Its broker user; nil for the desk, which logs in to RabbitMQ only as the units' own users.
    public let brokerUser: BrokerUser?

    /// A pipeline service, owner of `schema`, with its own broker user.
    init(service: ServiceName, schema: String, memberOf: [String]) {
        name = service.rawValue
        schemas = [schema]
        self.memberOf = memberOf
        brokerUser = Open137Topology.serviceUser(service)
    }

    /// A service without a broker user of its own, owner of `schemas`.
    init(name: String, schemas: [String], memberOf: [String]) {
        self.name = name
        self.schemas = schemas
        self.memberOf = memberOf
        brokerUser = nil
    }

    /// Its main schema.
    public var schema: String { schemas[0] }
    /// The PostgreSQL role (`open137_council_audit`, `open137_desk`): owns the schemas, nothing else.
    public var databaseRole: String { "open137_" + name.replacingOccurrences(of: "-", with: "_") }
    /// The prefix of its keys in the env file (`COUNCIL_AUDIT` → `COUNCIL_AUDIT_DATABASE_URL`, `COUNCIL_AUDIT_AMQP_URL`).
    public var environmentPrefix: String { name.replacingOccurrences(of: "-", with: "_").uppercased() }

    /// Every service, in pipeline order, then the units' desk.
    public static let all: [ServiceIdentity] = [
        // Intake's call screen, council-audit's dashboard and the desk sign staff in: their roles are members of the staff schema's owner.
        ServiceIdentity(service: .intake, schema: IntakeStage.schema, memberOf: [StaffDirectory.ownerRole]),
        ServiceIdentity(service: .classifier, schema: ClassifierStage.schema, memberOf: []),
        ServiceIdentity(service: .router, schema: RouterStage.schema, memberOf: []),
        ServiceIdentity(service: .notifier, schema: NotifierStage.schema, memberOf: []),
        ServiceIdentity(service: .councilAudit, schema: CouncilAuditStage.schema, memberOf: [AuditLog.writerRole, StaffDirectory.ownerRole]),
        ServiceIdentity(name: DeskStage.name, schemas: DeskStage.schemas, memberOf: [StaffDirectory.ownerRole]),
    ]
}
