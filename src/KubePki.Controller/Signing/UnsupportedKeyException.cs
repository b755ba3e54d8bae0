namespace KubePki.Controller.Signing;

/// <summary>The request is well-formed but its key is of a type that is never signed (Ed25519, DSA, secp256k1, …): a
/// final answer, not a reason to retry.</summary>
public sealed class UnsupportedKeyException(string message) : InvalidCsrException(message);
