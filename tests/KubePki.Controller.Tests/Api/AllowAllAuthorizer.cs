namespace KubePki.Controller.Tests.Api;

public sealed class AllowAllAuthorizer : IApiAuthorizer
{
    public static AllowAllAuthorizer Instance { get; } = new();

    public bool Allows(ApiUser user, ApiAttributes attributes) => true;
}
