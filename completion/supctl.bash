# bash completion for supctl(1).  The commands and their options come from
# supctl itself (supctl --commands); the names of children, supervisors and
# process groups from the running supd (supctl --json status, one second
# at most).  With no supd to ask, names complete to nothing, quietly.

# The names the daemon knows: $1 is all, dynamic (dynamic supervisors),
# groups, or targets (all and @group, from one call); $2... are supctl and
# the socket options to reach it.
_supctl_names()
{
	local what=$1 json o name type groups g
	shift
	json=$(SUPCTL_TIMEOUT=1 "$@" --json status 2>/dev/null </dev/null) ||
		return 0
	# one object a line; names hold no quote, comma or brace (supd's rule)
	while IFS= read -r o; do
		case $o in *'"name":"'*) ;; *) continue ;; esac
		name=${o#*\"name\":\"}
		name=${name%%\"*}
		type=${o#*\"type\":\"}
		type=${type%%\"*}
		case $what in
		all) printf '%s\n' "$name" ;;
		targets)
			printf '%s\n' "$name"
			groups=${o#*\"groups\":[}
			groups=${groups%%]*}
			groups=${groups//\"/}
			for g in ${groups//,/ }; do
				printf '@%s\n' "$g"
			done
			;;
		dynamic) [[ $type == dynamic ]] && printf '%s\n' "$name" ;;
		groups)
			groups=${o#*\"groups\":[}
			groups=${groups%%]*}
			groups=${groups//\"/}
			for g in ${groups//,/ }; do
				printf '%s\n' "$g"
			done
			;;
		esac
	done < <(printf '%s\n' "$json" | sed 's/},{/}\n{/g')
}

_supctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= bin=${COMP_WORDS[0]}
	local -a sock=()
	local i w cmd= cmdi=0 opts= line npos=0 words= sorted
	local IFS=$' \t\n'

	COMPREPLY=()
	(( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	type -P "$bin" >/dev/null 2>&1 || bin=supctl
	type -P "$bin" >/dev/null 2>&1 || return 0

	# supctl's own options, before the command; the command
	for (( i = 1; i < COMP_CWORD; i++ )); do
		w=${COMP_WORDS[i]}
		case $w in
		-s|--socket)
			(( i + 1 < COMP_CWORD )) && sock=(--socket "${COMP_WORDS[i + 1]}")
			(( i++ )) ;;
		--socket=*) sock=("$w") ;;
		-s?*) sock=(--socket "${w#-s}") ;;
		-*) ;;
		*) cmd=$w; cmdi=$i; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		-s|--socket) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
		esac
		if [[ $cur == -* ]]; then
			words="--socket --json --help --version"
		else
			words=$("$bin" --commands 2>/dev/null | cut -d' ' -f1)
		fi
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return 0
	fi

	while read -r line; do
		[[ ${line%% *} == "$cmd" ]] && opts=${line#"$cmd"}
	done < <("$bin" --commands 2>/dev/null)

	# a value for an option: nothing to offer, but a group or a socket
	for w in $opts; do
		[[ $w == *= && $prev == "${w%=}" ]] || continue
		case $cmd:$prev in
		spawn:--group|spawn:-g)
			COMPREPLY=($(compgen -W "$(_supctl_names groups "$bin" \
			    "${sock[@]}")" -- "$cur")) ;;
		esac
		return 0
	done
	[[ $prev == --socket ]] && { COMPREPLY=($(compgen -f -- "$cur")); return 0; }

	if [[ $cur == -* ]]; then
		opts=${opts//=/}
		words=
		for w in $opts; do
			[[ $w == --* ]] && words+=" $w"
		done
		COMPREPLY=($(compgen -W "$words --json --socket --help" -- "$cur"))
		return 0
	fi

	# which positional argument this is; none after --
	for (( i = cmdi + 1; i < COMP_CWORD; i++ )); do
		w=${COMP_WORDS[i]}
		case $w in
		--) return 0 ;;
		--socket) (( i++ )) ;;
		-*)
			[[ " $opts " == *" $w= "* ]] && (( i++ )) ;;
		*) (( npos++ )) ;;
		esac
	done

	case $cmd:$npos in
	inspect:*|events:*|whereis:0|await:0)
		words=$(_supctl_names all "$bin" "${sock[@]}") ;;
	# several NAMEs and @GROUPs
	status:*|start:*|stop:*|restart:*|logs:*|signal:0)
		words=$(_supctl_names targets "$bin" "${sock[@]}") ;;
	# more targets, or the signal last
	signal:*)
		words=$(_supctl_names targets "$bin" "${sock[@]}")
		words+=" TERM INT HUP KILL QUIT USR1 USR2 STOP CONT WINCH ALRM" ;;
	spawn:0|run:0)
		words=$(_supctl_names dynamic "$bin" "${sock[@]}") ;;
	members:0)
		words=$(_supctl_names groups "$bin" "${sock[@]}") ;;
	help:0)
		words=$("$bin" --commands 2>/dev/null | cut -d' ' -f1) ;;
	*)
		return 0 ;;
	esac
	sorted=$(printf '%s\n' $words | sort -u)
	COMPREPLY=($(compgen -W "$sorted" -- "$cur"))
	return 0
}

complete -F _supctl supctl
