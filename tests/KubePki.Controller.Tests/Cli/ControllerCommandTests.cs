using System.CommandLine;
using k8s;
using KubePki.Cli.Commands;
using KubePki.Cli.Commands.Controller;
using KubePki.Controller.Signing;
using KubePki.Controller.Tests.Support;
using KubePki.TestKit;

namespace KubePki.Controller.Tests.Cli;

public class ControllerCommandTests
{
    private static async Task<(int Code, string Out, string Error)> RunAsync(
        string[] args,
        CancellationToken cancellationToken = default
    )
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var command = ControllerCommand.Create(
            new CliEnvironment(output, error, TimeProvider.System, KubePki.TestKit.FixtureKeys.Shared)
        );
        var root = new RootCommand { command };
        var code = await root.Parse(["controller", .. args])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    public static TheoryData<string[], string> BadFlags =>
        new()
        {
            {
                ["--cluster-signing-key-file", "ca.key"],
                "error: cannot specify key without cert: --cluster-signing-key-file needs --cluster-signing-cert-file"
            },
            {
                ["--cluster-signing-cert-file", "ca.crt"],
                "error: cannot specify cert without key: --cluster-signing-cert-file needs --cluster-signing-key-file"
            },
            {
                [
                    "--cluster-signing-cert-file",
                    "a",
                    "--cluster-signing-key-file",
                    "b",
                    "--cluster-signing-kubelet-serving-cert-file",
                    "c",
                    "--cluster-signing-kubelet-serving-key-file",
                    "d",
                ],
                "error: cannot specify --cluster-signing-{cert,key}-file and other --cluster-signing-*-file flags "
                    + "at the same time"
            },
            {
                [],
                "error: nothing to do: give --cluster-signing-cert-file/--cluster-signing-key-file (or per-signer "
                    + "files) and/or --approve-kubelet-serving"
            },
            {
                ["--approve-kubelet-serving", "--allowed-ip-ranges", "10.0.0.0/33"],
                "error: --allowed-ip-ranges: \"10.0.0.0/33\" is not a CIDR"
            },
            {
                ["--approve-kubelet-serving", "--control-plane-endpoint", "api..example:6443"],
                "error: error parsing --control-plane-endpoint \"api..example:6443\": \"api..example\" is not a valid "
                    + "IP address or DNS name"
            },
            {
                ["--approve-kubelet-serving", "--apiserver-cert-extra-sans", "lb.example,bad name"],
                "error: --apiserver-cert-extra-sans: \"bad name\" is neither an IP address nor a DNS name"
            },
            {
                ["--approve-kubelet-serving", "--pod-network-cidr", "10.244.0.0"],
                "error: --pod-network-cidr: \"10.244.0.0\" is not a CIDR"
            },
            {
                ["--approve-kubelet-serving", "--max-expiration", "soon"],
                "error: --max-expiration: \"soon\" is not a valid positive duration (e.g. 720h)"
            },
        };

    [Theory]
    [MemberData(nameof(BadFlags))]
    public async Task Bad_flags_are_one_line_errors(string[] args, string message)
    {
        var (code, _, error) = await RunAsync(args);

        Assert.Equal(1, code);
        Assert.Equal(message, error.Trim());
    }

    [Fact]
    public void Per_signer_files_serve_only_their_signers()
    {
        var files = SigningFiles.Resolve(
            null,
            null,
            new Dictionary<string, (string?, string?)>
            {
                [SignerNames.KubeletServing] = ("s.crt", "s.key"),
                [SignerNames.KubeletClient] = (null, null),
            }
        );

        Assert.Equal([SignerNames.KubeletServing], files.Keys);
    }

    [Fact]
    public async Task The_command_runs_the_controller_until_cancelled_and_serves_health_and_metrics()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kubelet = new SimulatedKubelet(cluster, "cli-node", ["10.3.0.1"]);
        kubelet.RegisterNode();
        var liar = Runtime.LyingKubelet.Register(cluster, "liar", ("ExternalDNS", "lb.corp.example"));
        var metricsPort = FreePort.On("127.0.0.1");
        using var stop = new CancellationTokenSource();
        var run = CliRunner.RunUntilCancelledAsync(
            [
                "controller",
                "--kubeconfig",
                cluster.AdminConf,
                "--cluster-signing-cert-file",
                cluster.CaCertFile,
                "--cluster-signing-key-file",
                cluster.CaKeyFile,
                "--approve-kubelet-serving",
                "--leader-elect=false",
                "--resync-period",
                "2s",
                "--metrics-bind-address",
                $"127.0.0.1:{metricsPort}",
                "--apiserver-cert-extra-sans",
                "lb.corp.example",
            ],
            stop.Token
        );
        var name = await kubelet.SubmitAsync();
        var admin = cluster.Admin();
        await Eventually.GetAsync(
            async () => (await admin.CertificatesV1.ReadCertificateSigningRequestAsync(name)).Status?.Certificate,
            "the certificate"
        );
        var denied = await Runtime.ApiServerNameApprovalTests.DecidedAsync(admin, await liar.SubmitAsync());
        Assert.Contains("NoApiServerAddresses: subjectAltNames [lb.corp.example (apiServer.certSANs)]", denied.Message);
        using var http = new HttpClient();
        Assert.Equal("ok", await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/healthz"));
        Assert.Equal("ok", await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/readyz"));
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
        Assert.Contains("kubepki_csr_signed_total{signer=\"kubernetes.io/kubelet-serving\"} 1\n", metrics);
        Assert.Contains("kubepki_csr_approved_total{signer=\"kubernetes.io/kubelet-serving\"} 1\n", metrics);
        Assert.Contains("kubepki_csr_creation_to_issue_seconds_count 1\n", metrics);

        await stop.CancelAsync();
        var result = await run;

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("[controller] stopped", result.Out);
    }
}
