namespace KubePki;

/// <summary>Why a <see cref="KubePkiException"/> was thrown, for a caller that reacts to some failures (retry when
/// busy, create what is missing) and reports the rest.</summary>
public enum KubePkiErrorKind
{
    /// <summary>An operation did not complete for a reason none of the other kinds names: a command exited non-zero,
    /// a component did not become healthy in time.</summary>
    Failed = 0,

    /// <summary>A flag, argument or configuration field holds a value that is refused (a bad duration, CIDR, DNS name
    /// or port, an unknown certificate or CA name, flags that cannot be combined).</summary>
    InvalidInput,

    /// <summary>A file, directory, ConfigMap or key that must exist does not.</summary>
    NotFound,

    /// <summary>A file or API object exists but is refused: malformed PEM, YAML or kubeconfig, a key that does not
    /// match its certificate, a CA that is not a CA or has expired, a symbolic link, FIFO or foreign-owned file where a
    /// regular file is read.</summary>
    InvalidFile,

    /// <summary>Another renewal or rotation holds the lock: the same call may succeed once it has finished.</summary>
    Busy,

    /// <summary>The state on disk or in the cluster forbids the operation now: a CA rotation in another phase, a file
    /// that already exists, a CA in external mode (no key), an object changed by someone else meanwhile.</summary>
    Conflict,

    /// <summary>The operating system refused a read or write (permissions, a full or read-only disk, a move across
    /// file systems, a program that could not be started).</summary>
    Io,

    /// <summary>The Kubernetes API server refused a request or did not answer as expected.</summary>
    Api,
}
