using Infra.Core.Spec;
using Infra.TestKit;

namespace Infra.Ssh.Tests;

public class SshTargetTests
{
    [Fact]
    public void For_StackHostWithBastion_MapsEveryFieldAndPinsTheBastion()
    {
        var spec = SampleSpecs.BareMetal();
        var bastionPin = TestTargets.Pin("SHA256:" + new string('A', 43));
        var ssh = spec.Ssh with
        {
            ConnectTimeoutSeconds = 7,
            CommandTimeoutSeconds = 90,
            Bastion = new BastionSpec { Address = "203.0.113.5", Port = 2222, User = "jump", HostKey = bastionPin },
        };
        var host = spec.Hosts[0];

        var target = SshTarget.For(host, ssh);

        Assert.Equal(host.Name, target.Name);
        Assert.Equal(host.Address, target.Address);
        Assert.Equal(host.Port, target.Port);
        Assert.Equal(host.User, target.User);
        Assert.Equal(host.HostKey, target.HostKey);
        Assert.Equal(ssh.IdentityFile, target.IdentityFile);
        Assert.Equal(TimeSpan.FromSeconds(7), target.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(90), target.CommandTimeout);
        Assert.NotNull(target.Bastion);
        Assert.Equal(("203.0.113.5", 2222, "jump"), (target.Bastion.Address, target.Bastion.Port, target.Bastion.User));
        Assert.Equal(bastionPin, target.Bastion.HostKey);
        Assert.Null(target.Bastion.Bastion);
    }

    [Theory]
    [InlineData("~/.ssh/id_ed25519", "/.ssh/id_ed25519")]
    [InlineData("/etc/keys/id", null)]
    [InlineData("~other/id", null)]
    public void ExpandHome_Path_ExpandsOnlyTheCurrentUsersHome(string path, string? underHome)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(underHome is null ? path : home + underHome, Identities.ExpandHome(path));
    }
}
