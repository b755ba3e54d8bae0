using System.Runtime.InteropServices;

namespace KubePki.Crypto;

/// <summary>ECDSA signature checks through OpenSSL's EC_KEY functions, for the hot path of checking many requests'
/// self-signatures. .NET's own import of an EC public key (on OpenSSL 3) validates the key with a full scalar
/// multiplication and goes through the provider machinery: ~0.1 ms per key, more than the verification itself. Here
/// the point is decoded against a shared curve (decoding checks that it is on the curve; the NIST curves have
/// cofactor 1, so that also puts it in the prime-order group) and verified with ECDSA_verify.</summary>
/// <remarks>Only a "valid" answer is final: when OpenSSL cannot be loaded, or it answers anything else, the caller
/// checks the signature its usual way, so a refusal keeps the platform's own error and behaviour.</remarks>
internal static unsafe class OpenSslEcdsa
{
    private static readonly Native? Library = Native.Load();

    /// <summary>Whether the process can check signatures here (Linux with OpenSSL 3 or 1.1).</summary>
    public static bool IsAvailable => Library is not null;

    /// <summary>True when <paramref name="signature"/> (DER ECDSA-Sig-Value) is a valid signature of
    /// <paramref name="digest"/> by the uncompressed <paramref name="point"/> on the named curve
    /// <paramref name="curveOid"/>; false when it is not, or when it could not be checked here.</summary>
    public static bool Verify(
        string curveOid,
        ReadOnlySpan<byte> point,
        ReadOnlySpan<byte> digest,
        ReadOnlySpan<byte> signature
    ) =>
        Library is { } native
        && native.Group(curveOid) is var group
        && group != IntPtr.Zero
        && native.Verify(group, point, digest, signature);

    private sealed class Native
    {
        // OpenSSL's NIDs (obj_mac.h), fixed across versions.
        private const int Prime256V1 = 415;
        private const int Secp384R1 = 715;
        private const int Secp521R1 = 716;

        private delegate* unmanaged<int, IntPtr> _groupByCurveName;
        private delegate* unmanaged<IntPtr> _keyNew;
        private delegate* unmanaged<IntPtr, IntPtr, int> _keySetGroup;
        private delegate* unmanaged<IntPtr, byte*, nuint, IntPtr, int> _keyOct2Key;
        private delegate* unmanaged<IntPtr, void> _keyFree;
        private delegate* unmanaged<int, byte*, int, byte*, int, IntPtr, int> _verify;
        private delegate* unmanaged<void> _clearError;

        // One group per curve for the process's lifetime: a key takes a copy of it (cheap, the precomputed tables
        // are shared), where creating a group from the curve's name costs several microseconds each time.
        private IntPtr _p256;
        private IntPtr _p384;
        private IntPtr _p521;

        public static Native? Load()
        {
            if (!OperatingSystem.IsLinux())
            {
                return null;
            }
            foreach (var name in (string[])["libcrypto.so.3", "libcrypto.so.1.1"])
            {
                if (!NativeLibrary.TryLoad(name, out var handle))
                {
                    continue;
                }
                var native = new Native();
                if (
                    Export(handle, "EC_GROUP_new_by_curve_name", out var groupByCurveName)
                    && Export(handle, "EC_KEY_new", out var keyNew)
                    && Export(handle, "EC_KEY_set_group", out var keySetGroup)
                    && Export(handle, "EC_KEY_oct2key", out var keyOct2Key)
                    && Export(handle, "EC_KEY_free", out var keyFree)
                    && Export(handle, "ECDSA_verify", out var verify)
                    && Export(handle, "ERR_clear_error", out var clearError)
                )
                {
                    native._groupByCurveName = (delegate* unmanaged<int, IntPtr>)groupByCurveName;
                    native._keyNew = (delegate* unmanaged<IntPtr>)keyNew;
                    native._keySetGroup = (delegate* unmanaged<IntPtr, IntPtr, int>)keySetGroup;
                    native._keyOct2Key = (delegate* unmanaged<IntPtr, byte*, nuint, IntPtr, int>)keyOct2Key;
                    native._keyFree = (delegate* unmanaged<IntPtr, void>)keyFree;
                    native._verify = (delegate* unmanaged<int, byte*, int, byte*, int, IntPtr, int>)verify;
                    native._clearError = (delegate* unmanaged<void>)clearError;
                    return native;
                }
                NativeLibrary.Free(handle);
            }
            return null;
        }

        private static bool Export(IntPtr handle, string name, out IntPtr address) =>
            NativeLibrary.TryGetExport(handle, name, out address);

        public IntPtr Group(string curveOid) =>
            curveOid switch
            {
                "1.2.840.10045.3.1.7" => Shared(ref _p256, Prime256V1),
                "1.3.132.0.34" => Shared(ref _p384, Secp384R1),
                "1.3.132.0.35" => Shared(ref _p521, Secp521R1),
                _ => IntPtr.Zero,
            };

        private IntPtr Shared(ref IntPtr slot, int nid)
        {
            if (Volatile.Read(ref slot) is var group && group != IntPtr.Zero)
            {
                return group;
            }
            var created = _groupByCurveName(nid);
            if (created == IntPtr.Zero)
            {
                _clearError();
                return IntPtr.Zero;
            }
            // A racing thread's group may win; the loser's is a few hundred bytes kept for the process's lifetime.
            return Interlocked.CompareExchange(ref slot, created, IntPtr.Zero) is var winner && winner != IntPtr.Zero
                ? winner
                : created;
        }

        public bool Verify(
            IntPtr group,
            ReadOnlySpan<byte> point,
            ReadOnlySpan<byte> digest,
            ReadOnlySpan<byte> signature
        )
        {
            var key = _keyNew();
            if (key == IntPtr.Zero)
            {
                _clearError();
                return false;
            }
            try
            {
                int result;
                fixed (byte* p = point)
                fixed (byte* d = digest)
                fixed (byte* s = signature)
                {
                    result =
                        _keySetGroup(key, group) == 1 && _keyOct2Key(key, p, (nuint)point.Length, IntPtr.Zero) == 1
                            ? _verify(0, d, digest.Length, s, signature.Length, key)
                            : -1;
                }
                if (result != 1)
                {
                    // OpenSSL's error queue is per thread and shared with .NET's own calls: leave it empty.
                    _clearError();
                }
                return result == 1;
            }
            finally
            {
                _keyFree(key);
            }
        }
    }
}
