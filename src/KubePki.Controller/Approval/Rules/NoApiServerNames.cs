namespace KubePki.Controller.Approval;

/// <summary>No DNS SAN that names the API server or a Service: <c>kubernetes</c>, <c>kubernetes.default</c>,
/// <c>kubernetes.default.svc</c>, <c>kubernetes.default.svc.&lt;domain&gt;</c>, or anything under <c>.svc</c> or
/// <c>.svc.&lt;domain&gt;</c>. Compared without case and without a final dot, as resolvers compare names.</summary>
public sealed class NoApiServerNames : IApprovalRule
{
    public string Name => nameof(NoApiServerNames);

    public string? Check(ApprovalInput input)
    {
        var domain = input.Options.ClusterDomain.Trim('.');
        var bad = input.Request.DnsNames.Where(n => IsClusterName(n, domain)).ToList();
        return bad.Count == 0
            ? null
            : $"DNS subjectAltNames [{string.Join(' ', bad)}] name the API server or a Service (cluster domain "
                + $"{domain})";
    }

    public static bool IsClusterName(string dnsName, string domain)
    {
        var name = dnsName.TrimEnd('.');
        bool Is(string other) => string.Equals(name, other, StringComparison.OrdinalIgnoreCase);
        bool Under(string suffix) => name.EndsWith("." + suffix, StringComparison.OrdinalIgnoreCase);
        return Is("kubernetes")
            || Is("kubernetes.default")
            || Is("kubernetes.default.svc")
            || Is($"kubernetes.default.svc.{domain}")
            || Is("svc")
            || Is($"svc.{domain}")
            || Under("svc")
            || Under($"svc.{domain}");
    }
}
