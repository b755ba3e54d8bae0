using System.Security.Cryptography;
using System.Text;

namespace KubePki.Controller.Exporter;

/// <summary><c>basic_auth_users</c>: an Authorization header is accepted when it names a user whose bcrypt hash
/// matches its password. As exporter-toolkit does, outcomes are cached per (user, hash, password) so a scrape every few
/// seconds costs one bcrypt, not one each; an unknown user is checked against a fixed hash so timing does not
/// reveal which users exist; bcrypt runs one at a time so a flood of guesses cannot take every core.</summary>
internal sealed class BasicAuth(IReadOnlyDictionary<string, string> users)
{
    /// <summary>Outcomes kept; beyond it one is dropped (guessing many passwords gains nothing from the
    /// cache).</summary>
    public const int CacheSize = 100;

    // A bcrypt hash (cost 10) of a random password nobody knows, for unknown users; made once, when first needed.
    private readonly Lazy<string> _decoy = new(() =>
        BCrypt.Net.BCrypt.HashPassword(Convert.ToHexString(RandomNumberGenerator.GetBytes(16)), 10)
    );

    private readonly Dictionary<string, bool> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();
    private readonly Lock _bcryptLock = new();

    /// <summary>bcrypt verifications done, for tests of the cache.</summary>
    public int Verifications { get; private set; }

    public bool Authorize(string? authorization)
    {
        if (Credentials(authorization) is not var (user, password))
        {
            return false;
        }
        var known = users.TryGetValue(user, out var hash);
        hash ??= _decoy.Value;
        // The cache key holds a digest of the password, never the password itself.
        var key = Convert.ToHexString(
            SHA256.HashData(Encoding.UTF8.GetBytes($"{user.Length}:{user}{hash.Length}:{hash}{password}"))
        );
        bool matches;
        lock (_cacheLock)
        {
            if (_cache.TryGetValue(key, out var cached))
            {
                return cached && known;
            }
        }
        lock (_bcryptLock)
        {
            Verifications++;
            try
            {
                matches = BCrypt.Net.BCrypt.Verify(password, hash);
            }
            catch (BCrypt.Net.SaltParseException)
            {
                matches = false;
            }
        }
        lock (_cacheLock)
        {
            if (_cache.Count >= CacheSize)
            {
                _cache.Remove(_cache.Keys.First());
            }
            _cache[key] = matches;
        }
        return matches && known;
    }

    // "Basic base64(user:password)" → (user, password); anything else → null.
    private static (string User, string Password)? Credentials(string? authorization)
    {
        const string scheme = "Basic ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[scheme.Length..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }
        var colon = decoded.IndexOf(':');
        return colon < 0 ? null : (decoded[..colon], decoded[(colon + 1)..]);
    }
}
