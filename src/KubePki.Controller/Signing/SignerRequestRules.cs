namespace KubePki.Controller.Signing;

/// <summary>KCM's isRequestForSignerFn per kubernetes.io signer, with its exact messages and check order. The first
/// failure is returned (null = valid); KCM marks such a CSR Failed with reason SignerValidationFailure.</summary>
public static class SignerRequestRules
{
    private static readonly string[] ServingUsages =
    [
        KeyUsages.DigitalSignature,
        KeyUsages.KeyEncipherment,
        KeyUsages.ServerAuth,
    ];
    private static readonly string[] ServingUsagesNoRsa = [KeyUsages.DigitalSignature, KeyUsages.ServerAuth];
    private static readonly string[] ClientUsages =
    [
        KeyUsages.DigitalSignature,
        KeyUsages.KeyEncipherment,
        KeyUsages.ClientAuth,
    ];
    private static readonly string[] ClientUsagesNoRsa = [KeyUsages.DigitalSignature, KeyUsages.ClientAuth];

    public static string? Validate(string signerName, CsrRequest request, IReadOnlyList<string> usages) =>
        signerName switch
        {
            SignerNames.KubeletServing => KubeletServing(request, usages),
            SignerNames.KubeletClient => KubeletClient(request, usages),
            SignerNames.KubeApiServerClient => ApiServerClientUsages(usages),
            SignerNames.LegacyUnknown => null,
            _ => $"signer {signerName} is not served by this controller",
        };

    public static string? KubeletServing(CsrRequest request, IReadOnlyList<string> usages)
    {
        if (!IsSystemNodes(request))
        {
            return "subject organization is not system:nodes";
        }
        if (!request.HasDnsOrIpSan)
        {
            return "DNS or IP subjectAltName is required";
        }
        if (request.EmailAddresses.Count > 0)
        {
            return "Email subjectAltNames are not allowed";
        }
        if (request.Uris.Count > 0)
        {
            return "URI subjectAltNames are not allowed";
        }
        if (!SetEquals(usages, ServingUsages) && !SetEquals(usages, ServingUsagesNoRsa))
        {
            return $"usages did not match {GoList(ServingUsages)}";
        }
        if (!request.CommonName.StartsWith("system:node:", StringComparison.Ordinal))
        {
            return "subject common name does not begin with system:node:";
        }
        return null;
    }

    public static string? KubeletClient(CsrRequest request, IReadOnlyList<string> usages)
    {
        if (!IsSystemNodes(request))
        {
            return "subject organization is not system:nodes";
        }
        if (request.DnsNames.Count > 0)
        {
            return "DNS subjectAltNames are not allowed";
        }
        if (request.EmailAddresses.Count > 0)
        {
            return "Email subjectAltNames are not allowed";
        }
        if (request.IpAddresses.Count > 0)
        {
            return "IP subjectAltNames are not allowed";
        }
        if (request.Uris.Count > 0)
        {
            return "URI subjectAltNames are not allowed";
        }
        if (!request.CommonName.StartsWith("system:node:", StringComparison.Ordinal))
        {
            return "subject common name does not begin with system:node:";
        }
        if (!SetEquals(usages, ClientUsages) && !SetEquals(usages, ClientUsagesNoRsa))
        {
            return $"usages did not match {GoList(ClientUsages)}";
        }
        return null;
    }

    public static string? ApiServerClientUsages(IReadOnlyList<string> usages)
    {
        var hasClientAuth = false;
        foreach (var usage in usages)
        {
            switch (usage)
            {
                case KeyUsages.DigitalSignature or KeyUsages.KeyEncipherment:
                    break;
                case KeyUsages.ClientAuth:
                    hasClientAuth = true;
                    break;
                default:
                    return $"invalid usage for client certificate: {usage}";
            }
        }
        return hasClientAuth ? null : "missing required usage for client certificate: client auth";
    }

    // reflect.DeepEqual([]string{"system:nodes"}, O): exactly one O, no duplicates.
    private static bool IsSystemNodes(CsrRequest request) => request.Organizations is ["system:nodes"];

    private static bool SetEquals(IReadOnlyList<string> usages, string[] expected) =>
        new HashSet<string>(usages, StringComparer.Ordinal).SetEquals(expected);

    // sets.String.List(): sorted, printed by %v as [a b c].
    private static string GoList(string[] values) => $"[{string.Join(' ', values.Order(StringComparer.Ordinal))}]";
}
