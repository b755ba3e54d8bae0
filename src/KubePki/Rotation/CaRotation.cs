using KubePki.Crypto;
using KubePki.Lifecycle;
using KubePki.Storage;

namespace KubePki.Rotation;

/// <summary>An imported new CA (<c>--new-ca-cert</c>/<c>--new-ca-key</c>), so every control-plane node rotates to the
/// same one.</summary>
public sealed record ImportedCa
{
    /// <summary>The new CA's certificate (PEM).</summary>
    public required string CertPath { get; init; }

    /// <summary>The new CA's private key (PEM).</summary>
    public required string KeyPath { get; init; }
}

/// <summary><c>ca rotate start|issue|finish|abort|status</c> for one CA: a state machine whose phase is read from the
/// files themselves (see <see cref="RotationFiles"/>: no kept directory = no rotation; <c>&lt;NAME&gt;.key</c> = the
/// old CA's key = phase 1; the new CA's key = phase 2). Each command moves every file towards its target for the phase,
/// so running it again after a crash, at any instant, finishes the job. Each command runs under one
/// <see cref="FileReplacer"/> (the renewal lock, journal recovery, a backup of every replaced file, a unit of files
/// swapped under the journal), the leaves it re-issues included.</summary>
public sealed class CaRotation
{
    private readonly IssueContext _context;
    private readonly RotationTarget _target;
    private readonly RotationFiles _files;
    private readonly bool _dryRun;
    private readonly TimeSpan _lockTimeout;
    private readonly TimeProvider _time;
    private readonly string? _manifestsDir;
    private readonly List<string> _changed = [];
    private readonly List<string> _reissued = [];
    private readonly RotationInventory _inventory;
    private FileReplacer? _replacer;

    /// <summary>The rotation of one CA of the cluster in <paramref name="context"/>.</summary>
    /// <param name="context">The configuration, cert dir, key source and log of the run.</param>
    /// <param name="ca">The CA to rotate.</param>
    /// <param name="options">Dry run, lock wait, clock and manifests dir; the defaults when null.</param>
    public CaRotation(IssueContext context, ClusterCa ca, CaRotationOptions? options = null)
    {
        options ??= new CaRotationOptions();
        if (options.DryRun && context.Pki.Store is not DryRunFileStore)
        {
            // A dry run writes nothing whatever store the caller passed: its writes are kept in memory and logged.
            context = new IssueContext(
                context.Config,
                new PkiDirectory(context.Pki.Root, new DryRunFileStore(context.Log)),
                context.Keys,
                context.Start,
                context.Log
            );
        }
        var name = ca.Name();
        _context = context;
        _target = RotationTarget.For(name, context.Config, context.Pki);
        _files = new RotationFiles(context.Pki, name);
        _dryRun = options.DryRun;
        _lockTimeout = options.LockTimeout;
        _time = options.Time;
        _manifestsDir = options.ManifestsDir;
        _inventory = new RotationInventory(_target, context.Pki);
    }

    /// <summary>Backup dirs of rotations are named and pruned apart from those of renewals.</summary>
    internal const string BackupKind = "ca-rotation";

    internal RotationFiles Files => _files;

    private string Name => _target.Ca.Name;

    private PkiDirectory Pki => _context.Pki;

    private IFileStore Store => _context.Pki.Store;

    private TextWriter Log => _context.Log;

    private string CaCertPath => Pki.CertPath(_target.Ca.BaseName);

    private string CaKeyPath => Pki.KeyPath(_target.Ca.BaseName);

    /// <summary>Phase 1: a new CA (made, or imported) is kept beside the PKI and every trust anchor becomes old + new,
    /// old first so that <c>&lt;NAME&gt;.crt</c>'s first certificate still matches <c>&lt;NAME&gt;.key</c>.</summary>
    public RotationOutcome Start(ImportedCa? import) => Run(() => StartPhase(import));

    private RotationOutcome StartPhase(ImportedCa? import)
    {
        RotationCas cas;
        if (_files.Exist)
        {
            cas = _files.Read();
            if (PhaseOf(cas) == RotationPhase.Issued)
            {
                throw new KubePkiException(
                    $"the rotation of {Name} is in phase 2 (issue has run): run `kubepki ca "
                        + $"rotate finish {Name}` or `kubepki ca rotate abort {Name}`",
                    KubePkiErrorKind.Conflict
                );
            }
            if (import is not null && cas.RoleOf(NewCa.Load(import).Certificate) != CaRole.New)
            {
                throw new KubePkiException(
                    $"--new-ca-cert {import.CertPath}: a rotation of {Name} to another new CA "
                        + $"({_files.NewCert}) is under way; run start with that CA, or abort first",
                    KubePkiErrorKind.Conflict
                );
            }
            Log.WriteLine($"[ca rotate] Continuing the rotation of {Name} to the new CA in {_files.Directory}");
        }
        else
        {
            var current = LoadCurrent();
            var created = import is null
                ? NewCa.Generate(_target.Ca, _context.Config, _context.Keys, _context.Start, current)
                : NewCa.Validated(NewCa.Load(import), current, import, CaCertPath, _context.Start, Log);
            cas = new RotationCas(current, created);
            if (!_dryRun)
            {
                Directory.CreateDirectory(_files.Directory, FileModes.PrivateDirectory);
            }
            Store.Write(_files.Writes(cas));
            Log.WriteLine(
                $"[ca rotate] {(import is null ? "Generated" : "Imported")} the new {Name} CA; both CAs are "
                    + $"kept in {_files.Directory} until finish or abort (keys 0600)"
            );
        }
        WarnAboutKeyIdentifiers(cas);
        PointSigning(_files.OldCert, _files.OldKey);
        SetCaFile(cas, [CaRole.Old, CaRole.New]);
        SetKubeconfigTrust(cas, [CaRole.Old, CaRole.New]);
        return Outcome(RotationPhase.Trusting, NextSteps.AfterStart(_target, _files, _context.Config, cas));
    }

    /// <summary>Phase 2: the new CA signs. <c>&lt;NAME&gt;.crt</c> becomes new + old and <c>&lt;NAME&gt;.key</c> the
    /// new key; every leaf the old CA signed on this node is re-issued by the new one, identity kept.</summary>
    public RotationOutcome Issue() => Run(() => IssuePhase());

    private RotationOutcome IssuePhase()
    {
        if (!_files.Exist)
        {
            throw new KubePkiException(
                $"no rotation of {Name} is under way: run `kubepki ca rotate start {Name}` " + $"first",
                KubePkiErrorKind.Conflict
            );
        }
        var cas = _files.Read();
        if (PhaseOf(cas) == RotationPhase.Trusting)
        {
            var untrusting = _inventory
                .Anchors(cas)
                .Where(a => !a.Trusts.Contains(CaRole.New))
                .Select(a => a.Path)
                .ToList();
            if (untrusting.Count > 0)
            {
                throw new KubePkiException(
                    $"start has not completed on this node: {string.Join(", ", untrusting)} do "
                        + $"not trust the new CA yet; run `kubepki ca rotate start {Name}` again first",
                    KubePkiErrorKind.Conflict
                );
            }
            Replace([Pki.KeyFile(_target.Ca.BaseName, cas.New.Key!), CaFile(cas, [CaRole.New, CaRole.Old])]);
        }
        else
        {
            SetCaFile(cas, [CaRole.New, CaRole.Old]);
        }
        PointSigning(_files.NewCert, _files.NewKey);
        _context.Remember(Name, cas.New);
        Reissue(cas, CaRole.Old);
        SetKubeconfigTrust(cas, [CaRole.New, CaRole.Old]);
        return Outcome(RotationPhase.Issued, NextSteps.AfterIssue(_target, _context.Config));
    }

    /// <summary>The end: trust anchors hold the new CA alone; refused while anything here is still signed by the old
    /// one.</summary>
    public RotationOutcome Finish() => Run(() => FinishPhase());

    private RotationOutcome FinishPhase()
    {
        if (!_files.Exist)
        {
            Log.WriteLine($"[ca rotate] No rotation of {Name} is under way: nothing to finish");
            return Outcome(RotationPhase.None, []);
        }
        var cas = _files.Read();
        if (PhaseOf(cas) == RotationPhase.Trusting)
        {
            throw new KubePkiException(
                $"the rotation of {Name} is in phase 1: {CaKeyPath} is still the old CA's key; "
                    + $"run `kubepki ca rotate issue {Name}` first",
                KubePkiErrorKind.Conflict
            );
        }
        var old = _inventory.Signed(cas).Where(s => s.Role == CaRole.Old).Select(s => s.Path).ToList();
        if (old.Count > 0)
        {
            throw new KubePkiException(
                $"cannot finish the rotation of {Name}: still signed by the old CA: "
                    + $"{string.Join(", ", old)}; run `kubepki ca rotate issue {Name}` again (or renew them) first",
                KubePkiErrorKind.Conflict
            );
        }
        SetCaFile(cas, [CaRole.New]);
        SetKubeconfigTrust(cas, [CaRole.New]);
        RestoreSigning();
        RemoveFiles();
        return Outcome(RotationPhase.None, NextSteps.AfterFinish(_target, _context.Config, cas));
    }

    /// <summary>Back to the old CA alone, from phase 1 or 2 (leaves the new CA signed are re-issued by the old
    /// one).</summary>
    public RotationOutcome Abort() => Run(() => AbortPhase());

    private RotationOutcome AbortPhase()
    {
        if (!_files.Exist)
        {
            Log.WriteLine($"[ca rotate] No rotation of {Name} is under way: nothing to abort");
            return Outcome(RotationPhase.None, []);
        }
        var cas = _files.Read();
        var fromIssued = PhaseOf(cas) == RotationPhase.Issued;
        if (fromIssued)
        {
            // Straight to the old CA alone: the leaves the new CA signed are re-issued next, and nothing reads them
            // until the components restart; a crash here leaves phase 1, which this command finishes just as well.
            Replace([Pki.KeyFile(_target.Ca.BaseName, cas.Old.Key!), CaFile(cas, [CaRole.Old])]);
        }
        _context.Remember(Name, cas.Old);
        Reissue(cas, CaRole.New);
        SetCaFile(cas, [CaRole.Old]);
        SetKubeconfigTrust(cas, [CaRole.Old]);
        RestoreSigning();
        RemoveFiles();
        return Outcome(RotationPhase.None, NextSteps.AfterAbort(_target, _context.Config, cas, fromIssued));
    }

    /// <summary>Where the rotation stands on this node, read from the files; changes nothing.</summary>
    public RotationStatus Status()
    {
        if (!_files.Exist)
        {
            var current = Pki.ReadCert(_target.Ca.BaseName);
            var solo = new RotationCas(
                new CertificateAuthority(current, null),
                new CertificateAuthority(current, null)
            );
            string Label(CaRole role) => role == CaRole.Other ? "other" : "current";
            var files = RotationInventory.FileStatuses(_inventory.Anchors(solo), _inventory.Signed(solo), Label);
            return new RotationStatus
            {
                Name = Name,
                Phase = RotationPhase.None,
                Cas = [CaSummary.Of("current", current)],
                Files = files,
            };
        }
        var cas = _files.Read();
        var phase = PhaseOf(cas);
        var anchors = _inventory.Anchors(cas);
        var signed = _inventory.Signed(cas);
        static string Role(CaRole role) => role.ToString().ToLowerInvariant();
        var fileStatus = RotationInventory.FileStatuses(anchors, signed, Role);
        string? pending = null;
        if (phase == RotationPhase.Trusting && anchors.Any(a => !a.Trusts.SequenceEqual([CaRole.Old, CaRole.New])))
        {
            pending = $"start has not completed on this node: run `kubepki ca rotate start {Name}` again, or abort";
        }
        else if (phase == RotationPhase.Issued && signed.Any(s => s.Role == CaRole.Old))
        {
            pending = $"issue has not completed on this node: run `kubepki ca rotate issue {Name}` again, or abort";
        }
        else if (phase == RotationPhase.Issued && anchors.Any(a => !a.Trusts.Contains(CaRole.Old)))
        {
            pending = $"finish has not completed on this node: run `kubepki ca rotate finish {Name}` again";
        }
        return new RotationStatus
        {
            Name = Name,
            Phase = phase,
            Cas = [CaSummary.Of("old", cas.Old.Certificate), CaSummary.Of("new", cas.New.Certificate)],
            Files = fileStatus,
            Pending = pending,
        };
    }

    /// <summary>Runs a phase under one <see cref="FileReplacer"/>, opened before the first change (the lock, then
    /// whatever a crashed run left half-replaced is put back) and finished after the last (backup retention). With
    /// --dry-run it runs over the dry-run store, which changes nothing.</summary>
    private RotationOutcome Run(Func<RotationOutcome> phase)
    {
        var scope = new ReplacementScope(_context.Config.CertificatesDir, _context.Config.KubeconfigDir);
        var policy = new ReplacementPolicy(_lockTimeout, BackupKind: BackupKind);
        using var replacer = FileReplacer.Open(Store, scope, policy, _time, Log);
        _replacer = replacer;
        try
        {
            var outcome = phase();
            foreach (var path in replacer.Finish())
            {
                Log.WriteLine($"[ca rotate] Removed the old backup {path}");
            }
            return outcome;
        }
        finally
        {
            _replacer = null;
        }
    }

    private void Replace(IReadOnlyList<FileWrite> writes)
    {
        _replacer!.Replace(writes);
        _changed.AddRange(writes.Select(w => w.Path));
    }

    private RotationPhase PhaseOf(RotationCas cas)
    {
        using var key = Pki.ReadKey(_target.Ca.BaseName);
        if (key.Matches(cas.New.Certificate))
        {
            return RotationPhase.Issued;
        }
        if (key.Matches(cas.Old.Certificate))
        {
            return RotationPhase.Trusting;
        }
        throw new KubePkiException(
            $"{CaKeyPath} is the key of neither CA of the rotation under way "
                + $"({_files.OldCert}, {_files.NewCert}); restore it from a backup",
            KubePkiErrorKind.InvalidFile
        );
    }

    /// <summary>The CA before the rotation: it must have its key here (else this is kubeadm's external CA mode) and be
    /// one certificate.</summary>
    private CertificateAuthority LoadCurrent()
    {
        var leaves = _target.Pairs.Select(p => p.Definition);
        if (Lifecycle.CaLoader.IsExternal(Pki, _target.Ca, leaves))
        {
            throw new KubePkiException(
                $"Detected external {_target.Ca.BaseName}, {_target.Ca.LongName} can't be "
                    + $"rotated ({CaKeyPath} does not exist: rotate it where its key is kept)",
                KubePkiErrorKind.Conflict
            );
        }
        var current = Lifecycle.CaLoader.Load(Pki, _target.Ca);
        var chain = Pki.ReadCertChain(_target.Ca.BaseName);
        if (chain.Count > 1)
        {
            throw new KubePkiException(
                $"{CaCertPath} holds {chain.Count} certificates but no rotation of {Name} is "
                    + $"under way ({_files.Directory} does not exist); leave one CA in it before starting",
                KubePkiErrorKind.Conflict
            );
        }
        return current;
    }

    private void WarnAboutKeyIdentifiers(RotationCas cas)
    {
        if (CertificateAuthority.SubjectKeyIdOf(cas.Old.Certificate) is not { Length: > 0 })
        {
            Log.WriteLine(
                $"[ca rotate] WARNING: the old {Name} CA ({_files.OldCert}) has no SubjectKeyIdentifier: "
                    + $"while both CAs are trusted, verifiers that look issuers up by name (OpenSSL, curl, Python) may "
                    + $"try the wrong one for certificates it signed"
            );
        }
        foreach (var (path, certificate) in _inventory.SignedCertificates())
        {
            if (!certificate.Extensions.Any(e => e.Oid?.Value == "2.5.29.35"))
            {
                Log.WriteLine(
                    $"[ca rotate] WARNING: {path} has no AuthorityKeyIdentifier: verifiers that look "
                        + $"issuers up by name may try the new CA for it; `issue` re-issues it with one"
                );
            }
        }
    }

    /// <summary>Re-issues every leaf and kubeconfig client cert signed by <paramref name="from"/> with the CA now in
    /// <c>&lt;NAME&gt;.crt</c>/<c>.key</c>, through <see cref="Renewer"/>: identity kept, verified, backed up,
    /// journaled.</summary>
    private void Reissue(RotationCas cas, CaRole from)
    {
        var items = new List<RenewableItem>();
        foreach (var item in _inventory.Items())
        {
            var certificate = _inventory.EmbeddedCertificate(item);
            if (certificate is null)
            {
                continue;
            }
            var role = cas.SignerOf(certificate);
            if (role == from)
            {
                items.Add(item);
            }
            else if (role == CaRole.Other)
            {
                Log.WriteLine(
                    $"[ca rotate] WARNING: {item.Paths[^1]} is signed by neither CA of the rotation: left "
                        + $"as it is"
                );
            }
        }
        if (items.Count == 0)
        {
            return;
        }
        var result = new Renewer(_context, _time).Renew(items, new RenewalOptions { DryRun = _dryRun }, _replacer!);
        _reissued.AddRange(result.Renewed);
    }

    private static string Bundle(RotationCas cas, IReadOnlyList<CaRole> roles) =>
        string.Concat(roles.Select(r => PemCodec.EncodeCertificate(cas.Get(r))));

    private FileWrite CaFile(RotationCas cas, IReadOnlyList<CaRole> roles) =>
        FileWrite.Text(CaCertPath, Bundle(cas, roles), FileModes.Public);

    private void SetCaFile(RotationCas cas, IReadOnlyList<CaRole> roles)
    {
        var now = Pki.ReadCertChain(_target.Ca.BaseName).Select(cas.RoleOf);
        if (!now.SequenceEqual(roles))
        {
            Replace([CaFile(cas, roles)]);
        }
    }

    private void SetKubeconfigTrust(RotationCas cas, IReadOnlyList<CaRole> roles)
    {
        foreach (var kubeconfig in _target.Kubeconfigs.Where(k => k.Exists(Store)))
        {
            var file = kubeconfig.Read(Store);
            var now = PemCodec
                .DecodeCertificates(file.CertificateAuthorityPem!, kubeconfig.FilePath)
                .Select(cas.RoleOf);
            if (now.SequenceEqual(roles))
            {
                continue;
            }
            file.SetCertificateAuthority(Bundle(cas, roles));
            Replace([FileWrite.Text(kubeconfig.FilePath, file.Serialize(), FileModes.Private)]);
        }
    }

    private ControllerManagerSigning? Signing =>
        _manifestsDir is not null && Name == "ca" ? new ControllerManagerSigning(Store, _files, _manifestsDir) : null;

    /// <summary>kube-controller-manager signs with one CA, from a file holding only it: the manifest's signing flags
    /// name the kept files of the CA that signs in this phase.</summary>
    private void PointSigning(string certPath, string keyPath)
    {
        if (Signing is not { } signing)
        {
            return;
        }
        if (signing.KeepOriginal(CaCertPath, CaKeyPath) is not { } original)
        {
            Log.WriteLine(
                $"[ca rotate] WARNING: {signing.ManifestPath} does not sign with {CaCertPath} and {CaKeyPath} "
                    + $"(no such manifest, or other signing files): kube-controller-manager's signing flags are left "
                    + $"as they are; they must name one certificate and its key, never the bundle {CaCertPath}"
            );
            return;
        }
        var writes = signing.Install(ControllerManagerSigning.PointedAt(original, certPath, keyPath));
        if (writes.Count > 0)
        {
            Replace(writes);
            Log.WriteLine(
                $"[ca rotate] {signing.ManifestPath}: {ControllerManagerSigning.CertFlag}={certPath} and "
                    + $"{ControllerManagerSigning.KeyFlag}={keyPath} until finish or abort"
            );
        }
    }

    /// <summary>kubeadm's kube-controller-manager manifest again, byte for byte.</summary>
    private void RestoreSigning()
    {
        if (Signing is not { } signing || signing.Saved() is not { } original)
        {
            return;
        }
        var writes = signing.Install(original);
        if (writes.Count > 0)
        {
            Replace(writes);
            Log.WriteLine($"[ca rotate] {signing.ManifestPath}: kubeadm's manifest is back");
        }
    }

    private void RemoveFiles()
    {
        if (_dryRun)
        {
            Log.WriteLine($"[dryrun] Would remove the directory \"{_files.Directory}\"");
            return;
        }
        if (Directory.Exists(_files.Directory))
        {
            // new-ca.crt first: once it is gone the rotation is over, whatever else a crash leaves behind.
            File.Delete(_files.NewCert);
            Directory.Delete(_files.Directory, recursive: true);
            var parent = Path.GetDirectoryName(_files.Directory)!;
            if (!Directory.EnumerateFileSystemEntries(parent).Any())
            {
                Directory.Delete(parent);
            }
        }
    }

    private RotationOutcome Outcome(RotationPhase phase, IReadOnlyList<string> nextSteps)
    {
        var changed = _changed.Concat(_reissued).ToList();
        var kubeletReads = _target.KubeletReads(_context.Config, Pki).Select(Path.GetFullPath).ToHashSet();
        return new RotationOutcome
        {
            Phase = phase,
            Changed = changed,
            BackupPath = _replacer?.BackupPath,
            ComponentsToRestart = changed.Count > 0 ? _target.Components : [],
            NextSteps = nextSteps,
            KubeletChanged = _changed.Any(p => kubeletReads.Contains(Path.GetFullPath(p))),
        };
    }
}
