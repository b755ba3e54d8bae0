// The library it drives is Linux-only (POSIX modes are part of its contract).
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
