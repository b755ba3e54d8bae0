using System.CommandLine;
using KubePki.Cli.Commands.ControlPlane;
using KubePki.Cli.Rendering;
using KubePki.ControlPlane;
using KubePki.Rotation;

namespace KubePki.Cli.Commands.Ca;

/// <summary><c>kubepki ca rotate start|issue|finish|abort|status NAME</c>: the staged CA rotation of
/// <see cref="CaRotation"/>; this layer parses, calls and prints.</summary>
public static class CaRotateCommand
{
    public static Command Create(CliEnvironment env)
    {
        var rotate = new Command(
            "rotate",
            "Rotate a certificate authority (ca, front-proxy-ca, etcd-ca) without an "
                + "outage: start (trust old + new), issue (sign with the new CA), finish (trust the new CA "
                + "alone); abort "
                + "goes back to the old CA; status shows where each file stands."
        );
        rotate.Subcommands.Add(
            Phase(
                env,
                "start",
                "Phase 1: make (or import) the new CA and trust both CAs, the old " + "one first; nothing is re-signed."
            )
        );
        rotate.Subcommands.Add(
            Phase(
                env,
                "issue",
                "Phase 2: the new CA signs; every leaf the CA signs on this node "
                    + "is re-issued by it with its identity kept."
            )
        );
        rotate.Subcommands.Add(
            Phase(
                env,
                "finish",
                "Phase 3: trust the new CA alone; refused while anything on this "
                    + "node is still signed by the old CA."
            )
        );
        rotate.Subcommands.Add(Phase(env, "abort", "Back to the old CA alone, from phase 1 or 2."));
        rotate.Subcommands.Add(Status(env));
        return rotate;
    }

    private static Argument<string> NameArgument()
    {
        var name = new Argument<string>("NAME")
        {
            Description = "The certificate authority: ca, front-proxy-ca or " + "etcd-ca.",
        };
        name.AcceptOnlyFromAmong([.. RotationTarget.Names]);
        return name;
    }

    private static Command Phase(CliEnvironment env, string phase, string description)
    {
        var options = new ClusterOptions();
        var name = NameArgument();
        var newCaCert = new Option<string?>("--new-ca-cert")
        {
            Description =
                "The new CA certificate to import (the "
                + "same on every control-plane node); default: a new CA is made.",
        };
        var newCaKey = new Option<string?>("--new-ca-key")
        {
            Description = "The new CA's private key, with " + "--new-ca-cert.",
        };
        var restart = new Option<bool>("--restart-control-plane")
        {
            Description = "Restart the control-plane static " + "pods whose files this phase changed.",
        };
        var kubeletRestart = new Option<string>("--kubelet-restart-command")
        {
            Description =
                "With --restart-control-plane: how to restart this node's kubelet (run through /bin/sh -c) "
                + "when what it trusts or presents changed.",
            DefaultValueFactory = _ => KubeletRestart.DefaultCommand,
        };
        var lockTimeout = LockTimeoutOption.Create();
        var command = new Command(phase, description);
        command.Arguments.Add(name);
        var controlPlane = new ControlPlaneOptions();
        foreach (
            var option in new Option[]
            {
                options.CertDir,
                options.KubeconfigDir,
                options.Config,
                options.DryRun,
                restart,
                kubeletRestart,
                options.Kubeconfig,
                lockTimeout,
                controlPlane.ManifestsDir,
                controlPlane.KubeletConfig,
                controlPlane.Timeout,
            }
        )
        {
            command.Options.Add(option);
        }
        if (phase == "start")
        {
            command.Options.Add(newCaCert);
            command.Options.Add(newCaKey);
        }
        command.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var timeout = LockTimeoutOption.Read(result, lockTimeout);
                    var (context, _) = RunContext.Create(env, options, result, configLog: TextWriter.Null);
                    var dryRun = result.GetValue(options.DryRun);
                    var import = (result.GetValue(newCaCert), result.GetValue(newCaKey)) switch
                    {
                        (null, null) => null,
                        ({ } cert, { } key) => new ImportedCa { CertPath = cert, KeyPath = key },
                        (null, _) => throw new KubePkiException("--new-ca-key needs --new-ca-cert"),
                        _ => throw new KubePkiException("--new-ca-cert needs --new-ca-key"),
                    };
                    // Opened before the phase: the control-plane lock is taken and the manifests are checked first.
                    var target = RotationTarget.For(result.GetValue(name)!, context.Config, context.Pki);
                    var settings = controlPlane.Read(result, context.Config.KubeconfigDir, dryRun);
                    using var refresh =
                        result.GetValue(restart) && !dryRun
                            ? ControlPlaneRefresh.Open(
                                new RestartRequest(settings, timeout),
                                ControlPlaneComponent.ParseList(target.Components),
                                env.Waits,
                                env.Out
                            )
                            : null;
                    var rotation = new CaRotation(
                        context,
                        ClusterCas.Parse(result.GetValue(name)!),
                        new CaRotationOptions
                        {
                            DryRun = dryRun,
                            LockTimeout = timeout,
                            Time = env.Time,
                            ManifestsDir = settings.ManifestsDir,
                        }
                    );
                    var outcome = phase switch
                    {
                        "start" => rotation.Start(import),
                        "issue" => rotation.Issue(),
                        "finish" => rotation.Finish(),
                        _ => rotation.Abort(),
                    };
                    RotationPrinter.Outcome(env.Out, result.GetValue(name)!, phase, outcome, dryRun);
                    if (outcome.ComponentsToRestart.Count > 0)
                    {
                        refresh
                            ?.RestartAsync(ControlPlaneComponent.ParseList(outcome.ComponentsToRestart))
                            .GetAwaiter()
                            .GetResult();
                    }
                    if (outcome.KubeletChanged && result.GetValue(restart))
                    {
                        KubeletRestart.Run(result.GetValue(kubeletRestart)!, settings.Timeout, dryRun, env.Out);
                    }
                    if (target.Ca.Name == "ca" && phase == "issue")
                    {
                        NodeClientCertificates.Print(result.GetValue(options.Kubeconfig)!, env.Out);
                    }
                    if (target.Ca.Name == "ca" && phase != "issue")
                    {
                        PublishClusterInfo(env, context, result.GetValue(options.Kubeconfig)!, dryRun);
                    }
                    return 0;
                }
            )
        );
        return command;
    }

    /// <summary>kube-public/cluster-info gets what ca.crt now holds: old + new after start, the new CA after finish,
    /// the old one after abort.</summary>
    private static void PublishClusterInfo(
        CliEnvironment env,
        Lifecycle.IssueContext context,
        string kubeconfig,
        bool dryRun
    )
    {
        var chain = context.Pki.ReadCertChain("ca");
        var pem = string.Concat(chain.Select(Crypto.PemCodec.EncodeCertificate));
        string server;
        try
        {
            server = Lifecycle.KubeconfigGenerator.ControlPlaneUrl(context.Config);
        }
        catch (KubePkiException)
        {
            server = "https://<control-plane endpoint>";
        }
        ClusterInfo.Update(kubeconfig, pem, server, dryRun, env.Out);
    }

    private static Command Status(CliEnvironment env)
    {
        var options = new ClusterOptions();
        var name = NameArgument();
        var output = OutputOption.Create();
        var command = new Command(
            "status",
            "Show the rotation phase, both CAs, and for each file which CA it trusts " + "and which signed it."
        );
        command.Arguments.Add(name);
        foreach (var option in new Option[] { options.CertDir, options.KubeconfigDir, options.Config, output })
        {
            command.Options.Add(option);
        }
        command.SetAction(result =>
            CommandGuard.Run(
                env,
                () =>
                {
                    var (context, _) = RunContext.Create(env, options, result, configLog: TextWriter.Null);
                    var status = new CaRotation(
                        context,
                        ClusterCas.Parse(result.GetValue(name)!),
                        new CaRotationOptions { DryRun = true }
                    ).Status();
                    env.Out.Write(
                        OutputOption.Read(result, output) switch
                        {
                            "json" => RotationPrinter.Json(status),
                            "yaml" => RotationPrinter.Yaml(status),
                            _ => RotationPrinter.Text(status),
                        }
                    );
                    return 0;
                }
            )
        );
        return command;
    }
}
