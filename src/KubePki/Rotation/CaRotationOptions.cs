namespace KubePki.Rotation;

/// <summary>How a <see cref="CaRotation"/> runs. New options get defaults that keep today's behaviour.</summary>
public sealed record CaRotationOptions
{
    /// <summary>Report what each phase would do; nothing is written, whichever file store the context
    /// holds.</summary>
    public bool DryRun { get; init; }

    /// <summary>How long to wait for another renewal or rotation's lock; zero fails at once when it is
    /// held.</summary>
    public TimeSpan LockTimeout { get; init; }

    /// <summary>The clock the lock wait is measured on.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The static pod manifests dir; when set and the CA is <see cref="ClusterCa.Ca"/>,
    /// kube-controller-manager's signing flags (<c>--cluster-signing-cert-file</c>/<c>-key-file</c>) follow the
    /// phase. Null leaves the manifests alone.</summary>
    public string? ManifestsDir { get; init; }
}
