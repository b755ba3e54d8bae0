using KubePki.TestKit;
using static KubePki.Tests.Rotation.RotationFixture;

namespace KubePki.Tests.Rotation;

/// <summary>kube-controller-manager's signing flags through a rotation of <c>ca</c>, without restarting anything: the
/// phase itself points kubeadm's manifest at the single-certificate files of the CA that signs, and finish or abort
/// put kubeadm's bytes back; --dry-run and the other CAs leave it alone, and a manifest signing with files of its own
/// is left as it is, with a warning.</summary>
public class ControllerManagerSigningTests(RotationFixture fixture) : IClassFixture<RotationFixture>
{
    private static string Manifest(string pki, string kubeconfigDir, string signingCert, string signingKey) =>
        $"""
            apiVersion: v1
            kind: Pod
            metadata:
              labels:
                component: kube-controller-manager
                tier: control-plane
              name: kube-controller-manager
              namespace: kube-system
            spec:
              containers:
              - command:
                - kube-controller-manager
                - --authentication-kubeconfig={kubeconfigDir}/controller-manager.conf
                - --authorization-kubeconfig={kubeconfigDir}/controller-manager.conf
                - --bind-address=127.0.0.1
                - --client-ca-file={pki}/ca.crt
                - --cluster-name=kubernetes
                - --cluster-signing-cert-file={signingCert}
                - --cluster-signing-key-file={signingKey}
                - --controllers=*,bootstrapsigner,tokencleaner
                - --kubeconfig={kubeconfigDir}/controller-manager.conf
                - --leader-elect=true
                - --requestheader-client-ca-file={pki}/front-proxy-ca.crt
                - --root-ca-file={pki}/ca.crt
                - --service-account-private-key-file={pki}/sa.key
                - --use-service-account-credentials=true
                image: registry.k8s.io/kube-controller-manager:v1.32.0
                imagePullPolicy: IfNotPresent
                livenessProbe:
                  failureThreshold: 8
                  httpGet:
                    host: 127.0.0.1
                    path: /healthz
                    port: 10257
                    scheme: HTTPS
                name: kube-controller-manager
                volumeMounts:
                - mountPath: {pki}
                  name: k8s-certs
                  readOnly: true
              hostNetwork: true
              volumes:
              - hostPath:
                  path: {pki}
                  type: DirectoryOrCreate
                name: k8s-certs
            status: {"{}"}

            """;

    private static (string Path, byte[] Kubeadm) WriteManifest(TempDir dir, string? cert = null, string? key = null)
    {
        var pki = dir.Combine("pki");
        var path = dir.Combine("manifests", "kube-controller-manager.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Manifest(pki, dir.Path, cert ?? $"{pki}/ca.crt", key ?? $"{pki}/ca.key"));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (path, File.ReadAllBytes(path));
    }

    private static string[] Flags(TempDir dir) => ["--manifests-dir", dir.Combine("manifests")];

    private static string Line(string manifest, string flag) =>
        File.ReadAllLines(manifest).Single(l => l.Contains($"- {flag}=", StringComparison.Ordinal)).Trim();

    [Fact]
    public void Start_issue_finish_point_the_signing_flags_at_the_phases_ca_then_put_kubeadms_manifest_back()
    {
        using var dir = fixture.Copy();
        var (manifest, kubeadm) = WriteManifest(dir);
        var rotation = dir.Combine("pki", "ca-rotation", "ca");

        RotateOk(dir, ["start", "ca", .. Flags(dir)]);
        Assert.Equal(
            $"- --cluster-signing-cert-file={rotation}/old-ca.crt",
            Line(manifest, "--cluster-signing-cert-file")
        );
        Assert.Equal(
            $"- --cluster-signing-key-file={rotation}/old-ca.key",
            Line(manifest, "--cluster-signing-key-file")
        );
        Assert.Equal($"- --root-ca-file={dir.Combine("pki")}/ca.crt", Line(manifest, "--root-ca-file"));
        Assert.Equal(kubeadm, File.ReadAllBytes(Path.Combine(rotation, "kube-controller-manager.yaml")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(manifest));
        var again = RotateOk(dir, ["start", "ca", .. Flags(dir)]);
        Assert.DoesNotContain("kube-controller-manager.yaml:", again.Out);

        RotateOk(dir, ["issue", "ca", .. Flags(dir)]);
        Assert.Equal(
            $"- --cluster-signing-cert-file={rotation}/new-ca.crt",
            Line(manifest, "--cluster-signing-cert-file")
        );
        Assert.Equal(
            $"- --cluster-signing-key-file={rotation}/new-ca.key",
            Line(manifest, "--cluster-signing-key-file")
        );

        var finish = RotateOk(dir, ["finish", "ca", .. Flags(dir)]);
        Assert.Contains("kubeadm's manifest is back", finish.Out);
        Assert.Equal(kubeadm, File.ReadAllBytes(manifest));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(manifest));
    }

    [Fact]
    public void Abort_from_phase_2_puts_kubeadms_manifest_back_and_dry_run_and_other_cas_leave_it_alone()
    {
        using var dir = fixture.Copy();
        var (manifest, kubeadm) = WriteManifest(dir);

        RotateOk(dir, ["start", "ca", "--dry-run", .. Flags(dir)]);
        Assert.Equal(kubeadm, File.ReadAllBytes(manifest));
        RotateOk(dir, ["start", "front-proxy-ca", .. Flags(dir)]);
        Assert.Equal(kubeadm, File.ReadAllBytes(manifest));
        RotateOk(dir, ["abort", "front-proxy-ca", .. Flags(dir)]);

        RotateOk(dir, ["start", "ca", .. Flags(dir)]);
        RotateOk(dir, ["issue", "ca", .. Flags(dir)]);
        Assert.NotEqual(kubeadm, File.ReadAllBytes(manifest));
        RotateOk(dir, ["abort", "ca", .. Flags(dir)]);
        Assert.Equal(kubeadm, File.ReadAllBytes(manifest));
    }

    [Fact]
    public void A_manifest_that_signs_with_files_of_its_own_is_left_as_it_is_with_a_warning()
    {
        using var dir = fixture.Copy();
        var (manifest, kubeadm) = WriteManifest(dir, "/srv/signer/ca.pem", "/srv/signer/ca-key.pem");
        var start = RotateOk(dir, ["start", "ca", .. Flags(dir)]);
        Assert.Contains("kube-controller-manager's signing flags are left as they are", start.Out);
        RotateOk(dir, ["abort", "ca", .. Flags(dir)]);
        Assert.Equal(kubeadm, File.ReadAllBytes(manifest));
    }
}
