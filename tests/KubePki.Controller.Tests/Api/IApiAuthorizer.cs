namespace KubePki.Controller.Tests.Api;

/// <summary>Decides whether a user may perform a request; the default lets everyone do anything.</summary>
public interface IApiAuthorizer
{
    bool Allows(ApiUser user, ApiAttributes attributes);
}
