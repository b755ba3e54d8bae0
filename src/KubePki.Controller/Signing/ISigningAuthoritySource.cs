using KubePki.Crypto;

namespace KubePki.Controller.Signing;

/// <summary>Where a signer gets its CA from; the file-backed one re-reads the files when they change.</summary>
public interface ISigningAuthoritySource
{
    CertificateAuthority Current { get; }
}
