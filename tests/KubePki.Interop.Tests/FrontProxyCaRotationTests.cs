using KubePki.Interop.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Interop.Tests;

/// <summary><c>kubepki ca rotate</c> for front-proxy-ca judged by openssl: in each phase front-proxy-client.crt
/// verifies (x509_strict, sslclient) against front-proxy-ca.crt and the CA that signed it, and abort from phase 1 or 2
/// leaves a PKI that openssl verifies against the old CA alone. The new CA is made by openssl, as an operator's own CA
/// would be.</summary>
public sealed class FrontProxyCaRotationTests : IDisposable
{
    private readonly TempDir _root = new("interop-front-proxy-rotation");
    private readonly TimeProvider _clock = Kubepki.NowClock();

    private string Pki => _root.Combine("pki");

    private string CaFile => _root.Combine("pki", "front-proxy-ca.crt");

    private string Client => _root.Combine("pki", "front-proxy-client.crt");

    private string OldCa => _root.Combine("old-front-proxy-ca.crt");

    private string Rotate(params string[] args) =>
        Kubepki.Run(
            _clock,
            [
                "ca",
                "rotate",
                .. args,
                "front-proxy-ca",
                "--cert-dir",
                Pki,
                "--kubeconfig-dir",
                _root.Path,
                "--config",
                _root.Combine("kubeadm-config.yaml"),
            ]
        );

    private void MakeCluster()
    {
        var config = Kubepki.WriteConfig(
            _root.Path,
            """
            apiVersion: kubeadm.k8s.io/v1beta4
            kind: ClusterConfiguration
            encryptionAlgorithm: ECDSA-P256
            """
        );
        Kubepki.Run(_clock, "init", "phase", "certs", "front-proxy-ca", "--cert-dir", Pki, "--config", config);
        Kubepki.Run(_clock, "init", "phase", "certs", "front-proxy-client", "--cert-dir", Pki, "--config", config);
        File.Copy(CaFile, OldCa);
    }

    private static void AssertVerifies(string caFile, string cert, bool expected = true)
    {
        var verdict = OpensslVerify.Run(caFile, [cert], "sslclient")[cert];
        Assert.True(
            verdict.Ok == expected,
            $"openssl verify -CAfile {caFile} {cert}: expected "
                + $"{(expected ? "OK" : "a failure")}: {verdict.Messages}"
        );
    }

    private void AssertOldPkiAlone()
    {
        Assert.Equal(File.ReadAllText(OldCa), File.ReadAllText(CaFile));
        AssertVerifies(OldCa, Client);
        Assert.Equal(
            ExternalTool.OpensslOk("x509", "-in", Client, "-noout", "-pubkey"),
            OpensslCsr.PublicKeyOf(_root.Combine("pki", "front-proxy-client.key"))
        );
        Assert.Equal(
            ExternalTool.OpensslOk("x509", "-in", CaFile, "-noout", "-pubkey"),
            OpensslCsr.PublicKeyOf(_root.Combine("pki", "front-proxy-ca.key"))
        );
        Assert.False(Directory.Exists(_root.Combine("pki", "ca-rotation")));
    }

    [Fact]
    public void Start_issue_finish_with_an_openssl_made_ca_keeps_the_client_verifiable_in_every_phase()
    {
        MakeCluster();
        // openssl req -x509 adds a SubjectKeyIdentifier; kubeadm's subject.
        var newCa = OpensslCa.Create(_root.Path, "openssl-ca", "front-proxy-ca");
        Rotate("start", "--new-ca-cert", newCa.CertPath, "--new-ca-key", newCa.KeyPath);
        // Old first: what openssl (and kube-controller-manager) read as the CA is still the old one.
        Assert.Equal(2, File.ReadAllText(CaFile).Split("BEGIN CERTIFICATE").Length - 1);
        Assert.Equal(
            ExternalTool.OpensslOk("x509", "-in", OldCa, "-noout", "-fingerprint", "-sha256"),
            ExternalTool.OpensslOk("x509", "-in", CaFile, "-noout", "-fingerprint", "-sha256")
        );
        AssertVerifies(CaFile, Client);
        AssertVerifies(OldCa, Client);

        Rotate("issue");
        AssertVerifies(CaFile, Client);
        AssertVerifies(newCa.CertPath, Client);
        AssertVerifies(OldCa, Client, expected: false);
        Assert.Equal(
            ExternalTool.OpensslOk("x509", "-in", newCa.CertPath, "-noout", "-pubkey"),
            OpensslCsr.PublicKeyOf(_root.Combine("pki", "front-proxy-ca.key"))
        );

        Rotate("finish");
        Assert.Equal(
            ExternalTool.OpensslOk("x509", "-in", newCa.CertPath, "-noout", "-fingerprint", "-sha256"),
            ExternalTool.OpensslOk("x509", "-in", CaFile, "-noout", "-fingerprint", "-sha256")
        );
        Assert.Single(File.ReadAllText(CaFile).Split("BEGIN CERTIFICATE").Skip(1));
        AssertVerifies(CaFile, Client);
    }

    [Fact]
    public void Abort_from_phase_1_restores_a_pki_openssl_verifies_against_the_old_ca_alone()
    {
        MakeCluster();
        Rotate("start");
        Rotate("abort");
        AssertOldPkiAlone();
    }

    [Fact]
    public void Abort_from_phase_2_restores_a_pki_openssl_verifies_against_the_old_ca_alone()
    {
        MakeCluster();
        Rotate("start");
        Rotate("issue");
        AssertVerifies(OldCa, Client, expected: false);
        Rotate("abort");
        AssertOldPkiAlone();
    }

    public void Dispose() => _root.Dispose();
}
