/// How a notification travels. Each channel has its own sender, so a slow or dead gateway holds up only
/// its own channel.
public enum NotificationChannel: String, Sendable, Hashable, CaseIterable {
    /// Through the HTTP SMS gateway, to the reporter's mobile number.
    case sms
    /// Over SMTP, to the reporter's e-mail address.
    case email
    /// A signed POST of the event to a subscribed system.
    case webhook
}
