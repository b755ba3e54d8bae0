// KubePki manages the files of Linux control-plane nodes: POSIX modes are part of its contract.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
