/// vmswitch's version: `vmswitch --version`, the man page, and the Debian package
/// (debian/changelog's newest entry must name the same version; the package test checks).
public enum VMSwitchVersion {
    public static let current = "0.1.0"
}
