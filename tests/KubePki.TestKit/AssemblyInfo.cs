// KubePki manages the files of Linux control-plane nodes: POSIX modes are part of its contract.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

// Test doubles over the library's internal seams (IFileStore, FileWrite) are internal too.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("KubePki.Tests")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("KubePki.Interop.Tests")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("KubePki.Controller.Tests")]
