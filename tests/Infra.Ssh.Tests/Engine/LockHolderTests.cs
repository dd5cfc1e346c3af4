using System.Diagnostics;
using Infra.Ssh.Engine;

namespace Infra.Ssh.Tests.Engine;

public class LockHolderTests
{
    /// <summary>The id of a process of this machine that has ended (what a killed run leaves in its locks).</summary>
    internal static int EndedProcessId()
    {
        using var ended = Process.Start("true")!;
        ended.WaitForExit();
        return ended.Id;
    }

    private static readonly DateTimeOffset Since = new(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void IsGone_ProcessOfThisMachineNotRunning_True()
    {
        Assert.True(LockHolder.IsGone(LockHolder.Describe("alice", "ws1", 4242, Since), "ws1", _ => null));
    }

    [Fact]
    public void IsGone_PidNowBelongsToAProcessStartedAfterTheLock_True()
    {
        Assert.True(LockHolder.IsGone(LockHolder.Describe("alice", "ws1", 4242, Since), "ws1", _ => Since.AddMinutes(5)));
    }

    [Fact]
    public void IsGone_HolderStillRunning_False()
    {
        Assert.False(LockHolder.IsGone(LockHolder.Describe("alice", "ws1", 4242, Since), "ws1", _ => Since.AddSeconds(-3)));
    }

    [Fact]
    public void IsGone_HolderOnAnotherMachine_FalseWhateverThePid()
    {
        Assert.False(LockHolder.IsGone(LockHolder.Describe("alice", "ws2", 4242, Since), "ws1", _ => null));
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("alice@ws1 pid 4242")]
    [InlineData("alice@ws1 pid 4242 since yesterday")]
    [InlineData("pulumi provider pid 4242")]
    public void IsGone_HolderItCannotRead_False(string holder)
    {
        Assert.False(LockHolder.IsGone(holder, "ws1", _ => null));
    }

    [Fact]
    public void IsGoneHere_ThisProcessAndAnEndedOne_TellsThemApart()
    {
        Assert.False(LockHolder.IsGoneHere(LockHolder.ForThisProcess()));
        Assert.True(LockHolder.IsGoneHere(LockHolder.Describe(Environment.UserName, Environment.MachineName, EndedProcessId(), DateTimeOffset.UtcNow)));
    }
}
