import CDPDK

/// What systemd (a `Type=notify` unit) is told of the switch's state, through libsystemd's
/// `sd_notify`; nothing is sent when the switch was not started by systemd.
public enum ServiceManager {
    public static func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    public static func reloading() { notify("RELOADING=1\nSTATUS=reloading the configuration") }
    public static func stopping() { notify("STOPPING=1\nSTATUS=stopping") }

    static func notify(_ state: String) { _ = cdpdk_notify(state) }
}
