namespace Infra.Core.Etcd;

/// <summary>Raft majority arithmetic over the voting members (learners do not vote).</summary>
public static class EtcdQuorum
{
    /// <summary>Votes a cluster of <paramref name="voters"/> needs to commit anything: a strict majority.</summary>
    public static int Of(int voters) => voters / 2 + 1;

    /// <summary>How many voters may fail with the rest still a majority.</summary>
    public static int Tolerance(int voters) => voters <= 0 ? 0 : voters - Of(voters);

    public static bool Holds(int voters, int healthyVoters) => voters > 0 && healthyVoters >= Of(voters);

    /// <summary>"2 of 3 voting members healthy, a majority is 2, 0 more may fail" (or that quorum is lost).</summary>
    public static string Describe(int voters, int healthyVoters) =>
        Holds(voters, healthyVoters)
            ? $"{healthyVoters} of {voters} voting members healthy; a majority is {Of(voters)}; {healthyVoters - Of(voters)} more may fail"
            : $"quorum lost: {healthyVoters} of {voters} voting members healthy, a majority needs {Of(voters)}";
}
