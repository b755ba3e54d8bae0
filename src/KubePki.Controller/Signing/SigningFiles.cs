namespace KubePki.Controller.Signing;

/// <summary>kube-controller-manager's rules for its CA flags: the shared <c>--cluster-signing-{cert,key}-file</c> pair
/// or per-signer pairs, never both; cert and key always together; with per-signer files, signers without their own
/// pair are not served. Returns signer → (cert, key); empty means signing is off.</summary>
public static class SigningFiles
{
    public static readonly IReadOnlyDictionary<string, string> FlagPrefixes = new Dictionary<string, string>
    {
        [SignerNames.KubeletServing] = "--cluster-signing-kubelet-serving",
        [SignerNames.KubeletClient] = "--cluster-signing-kubelet-client",
        [SignerNames.KubeApiServerClient] = "--cluster-signing-kube-apiserver-client",
        [SignerNames.LegacyUnknown] = "--cluster-signing-legacy-unknown",
    };

    public static IReadOnlyDictionary<string, (string Cert, string Key)> Resolve(
        string? sharedCert,
        string? sharedKey,
        IReadOnlyDictionary<string, (string? Cert, string? Key)> perSigner
    )
    {
        CheckPair("--cluster-signing", sharedCert, sharedKey);
        var anyPerSigner = false;
        foreach (var (signer, (cert, key)) in perSigner)
        {
            CheckPair(FlagPrefixes[signer], cert, key);
            anyPerSigner |= cert is not null;
        }
        if (anyPerSigner && sharedCert is not null)
        {
            throw new KubePkiException(
                "cannot specify --cluster-signing-{cert,key}-file and other --cluster-signing-*-file flags at the "
                    + "same time"
            );
        }
        if (sharedCert is not null)
        {
            return SignerNames.All.ToDictionary(s => s, _ => (sharedCert, sharedKey!));
        }
        return perSigner
            .Where(p => p.Value.Cert is not null)
            .ToDictionary(p => p.Key, p => (p.Value.Cert!, p.Value.Key!));
    }

    private static void CheckPair(string prefix, string? cert, string? key)
    {
        if (key is not null && cert is null)
        {
            throw new KubePkiException($"cannot specify key without cert: {prefix}-key-file needs {prefix}-cert-file");
        }
        if (cert is not null && key is null)
        {
            throw new KubePkiException($"cannot specify cert without key: {prefix}-cert-file needs {prefix}-key-file");
        }
    }
}
