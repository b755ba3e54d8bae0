namespace KubePki.Controller.Signing;

/// <summary>spec.request is not a usable PKCS#10 request (bad PEM, bad DER, bad signature, unsupported key).</summary>
public class InvalidCsrException(string message, Exception? inner = null) : Exception(message, inner);
